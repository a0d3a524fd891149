"""Where a training update's LSTM time could go: forward + backward of the
default's BiLSTM (2 layers, 2 x 128, 448 inputs) on a batch of about 1,000
words of EWT train sentences, three ways, median of 20, torch's threads as
set: torch's packed bidirectional LSTM (what LSTMTagger runs), the same on
padded input (no packing; oneDNN's kernel where torch uses it), and two
unidirectional LSTMs per layer on padded input with each sequence reversed
inside its length for the backward direction (what padding allows without
changing any result).

    python lstm_train_step.py
"""
import statistics
import time

import torch
from spacy.tokens import DocBin
import spacy
from torch.nn.utils.rnn import pack_padded_sequence

torch.manual_seed(0)
nlp = spacy.blank("en")
docs = list(DocBin().from_disk("corpus/en_ewt-ud-train.spacy").get_docs(nlp.vocab))
batch, words = [], 0
for doc in docs[:400]:
    if words + len(doc) > 1000:
        break
    batch.append(len(doc))
    words += len(doc)
lengths = torch.tensor(sorted(batch, reverse=True))
T, B, D, H = int(lengths[0]), len(lengths), 448, 128
x = torch.randn(T, B, D)
mask = (torch.arange(T)[:, None] < lengths[None, :]).float().unsqueeze(2)
bi = torch.nn.LSTM(D, H, num_layers=2, bidirectional=True)
uni = torch.nn.ModuleList([torch.nn.LSTM(D if i < 2 else 2 * H, H) for i in range(4)])
# reverse each sequence inside its length: row t of sequence b <- row len_b - 1 - t
steps = torch.arange(T)[:, None]
rev = torch.where(steps < lengths[None, :], lengths[None, :] - 1 - steps, steps)


def reverse(t):
    return torch.gather(t, 0, rev.unsqueeze(2).expand_as(t))


def packed():
    out, _ = bi(pack_padded_sequence(x, lengths))
    out.data.sum().backward()


def padded():
    out, _ = bi(x)
    (out * mask).sum().backward()


def two_unidirectional():
    inp = x
    for layer in range(2):
        fwd, _ = uni[2 * layer](inp)
        bwd, _ = uni[2 * layer + 1](reverse(inp))
        inp = torch.cat([fwd, reverse(bwd)], 2)
    (inp * mask).sum().backward()


print(f"{B} sequences, {int(lengths.sum())} words, longest {T}, threads {torch.get_num_threads()}")
for fn in (packed, padded, two_unidirectional) * 2:
    times = []
    for _ in range(20):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    print(f"{fn.__name__}: {1000 * statistics.median(times):.1f} ms")
