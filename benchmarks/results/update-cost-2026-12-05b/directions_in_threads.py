import sys, time, statistics, threading, concurrent.futures
import torch
from torch import nn
from spacy_lstm_tagger.torch_model import packed_order
from spacy_lstm_tagger import torch_training as tt
from spacy_lstm_tagger.torch_training import _Plan, _Recurrence, packed_lstm, dropout

POOL = concurrent.futures.ThreadPoolExecutor(1)

class _BiRecurrence(torch.autograd.Function):
    @staticmethod
    def forward(ctx, gf, gr, wf, wr, pf, pr):
        class C: pass
        cf, cr = C(), C()
        def run(c, g, w, p):
            with torch.no_grad():
                return _Recurrence.forward(c, g, w, p)
        # patch save_for_backward
        for c in (cf, cr):
            c.save_for_backward = (lambda c: (lambda *t: setattr(c, "saved_tensors", t)))(c)

        fut = POOL.submit(run, cr, gr, wr, pr)
        of = run(cf, gf, wf, pf)
        orr = fut.result()

        ctx.cf, ctx.cr = cf, cr
        return of, orr
    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, dof, dor):
        def back(c, d):
            with torch.no_grad():
                return _Recurrence.backward(c, d)

        fut = POOL.submit(back, ctx.cr, dor)
        rf = _Recurrence.backward(ctx.cf, dof)
        rr = fut.result()

        return rf[0], rr[0], rf[1], rr[1], None, None

def packed_lstm_bi(lstm, data, batch_sizes):
    steps = batch_sizes.tolist()
    pf, pr = _Plan(steps, False, data.device), _Plan(steps, True, data.device)
    x = data
    for layer in range(lstm.num_layers):
        if layer and lstm.dropout and lstm.training:
            x = dropout(x, lstm)
        gs = []
        for s in ("", "_reverse"):
            n = f"l{layer}{s}"
            gs.append(torch.addmm(getattr(lstm, f"bias_ih_{n}") + getattr(lstm, f"bias_hh_{n}"), x, getattr(lstm, f"weight_ih_{n}").t()))
        of, orr = _BiRecurrence.apply(gs[0], gs[1], getattr(lstm, f"weight_hh_l{layer}"), getattr(lstm, f"weight_hh_l{layer}_reverse"), pf, pr)
        x = torch.cat([of, orr], 1)
    return x

torch.manual_seed(0)
lstm = nn.LSTM(448, 128, num_layers=2, bidirectional=True, dropout=0.0, batch_first=True)
import random
random.seed(0)
lengths = []
while sum(lengths) < 1000:
    lengths.append(min(200, int(random.expovariate(1/17)) + 1) * random.choice([1,1,1,2,3]))
lengths = torch.tensor(lengths)
rows, bs = packed_order(lengths)
data = torch.randn(int(lengths.sum()), 448)
print("tokens", int(lengths.sum()), "seqs", len(lengths), "steps", len(bs), "threads", torch.get_num_threads())
def step(fn):
    x = data[rows].clone().requires_grad_()
    out = fn(lstm, x, bs)
    (out * out).sum().backward()
    return out

import contextlib
@contextlib.contextmanager
def one_thread():
    n = torch.get_num_threads(); torch.set_num_threads(1)
    try: yield
    finally: torch.set_num_threads(n)
orig_fwd, orig_bwd = _Recurrence.forward, _Recurrence.backward
def base1(lstm, x, bs):
    return packed_lstm(lstm, x, bs)
mode = sys.argv[2]
fn = {"base": packed_lstm, "bi": packed_lstm_bi}[mode.split("-")[0]]
if mode.endswith("-loop1"):
    class R(_Recurrence):
        @staticmethod
        def forward(ctx, g, w, p):
            with one_thread(): return orig_fwd(ctx, g, w, p)
        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx, d):
            with one_thread(): return orig_bwd(ctx, d)
    tt._Recurrence = R
    import spacy_lstm_tagger.torch_training
times = {mode: []}
for r in range(int(sys.argv[1]) if len(sys.argv) > 1 else 10):
    for name in (mode,):
        t = time.perf_counter(); step(fn); times[name].append(time.perf_counter() - t); lstm.zero_grad()
for k, v in times.items(): print(k, "median %.4f min %.4f" % (statistics.median(v), min(v)))

