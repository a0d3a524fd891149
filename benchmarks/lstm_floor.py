"""The LSTM's own cost for one sentence: a bare torch.nn.LSTM of the default
config's shape (2 layers x 128, bidirectional, input 256) over T tokens, batch
of one, one torch thread, with torch's default oneDNN kernel and with its own
kernel. Median ms of 400 calls after 30 warm-up calls.

    python benchmarks/lstm_floor.py [--lengths 1 2 6 11 22 44]
"""
import argparse
import statistics
import time

import torch
from _environment import emit, environment


def median_ms(f, n=400):
    for _ in range(30):
        f()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", type=int, nargs="+", default=[1, 2, 6, 11, 22, 44])
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    lstm = torch.nn.LSTM(256, 128, num_layers=2, bidirectional=True, batch_first=True).eval()
    rows = {}
    with torch.inference_mode():
        for length in args.lengths:
            x = torch.randn(1, length, 256)
            onednn = median_ms(lambda: lstm(x))
            with torch.backends.mkldnn.flags(enabled=False):
                native = median_ms(lambda: lstm(x))
            rows[length] = {"onednn_ms": round(onednn, 3), "native_ms": round(native, 3)}
            print(f"T={length}: oneDNN {onednn:.3f} ms, torch's own kernel {native:.3f} ms", flush=True)
    emit({**environment(), "torch_threads": 1, "median_ms_by_length": rows}, args.json)


if __name__ == "__main__":
    main()
