# The recurrence alone (internals: torch_training._Plan, _Recurrence): forward and backward of one
# LSTM direction over an EWT-like packed batch of about 1,000 tokens, CPU seconds, best of 7 x 20.
# T=threads (default 1), REV=1 the backward direction, any argument: torch.profiler table.
#     OMP_NUM_THREADS=1 python recurrence_bench.py; PYTHONPATH=/tmp/OLD_TREE python recurrence_bench.py
import torch, time, sys, random, os
from spacy_lstm_tagger.torch_training import _Plan, _Recurrence
import os; torch.set_num_threads(int(os.environ.get("T","1")))
random.seed(0)
# An EWT-like batch: ~1000 tokens, sentence lengths from a skewed distribution.
lengths=[]
while sum(lengths)<1000:
    lengths.append(max(1,min(80,int(random.expovariate(1/17)))))
lengths.sort(reverse=True)
steps=[sum(1 for L in lengths if L>t) for t in range(lengths[0])]
n=sum(lengths); h=128
plan=_Plan(steps, reverse=os.environ.get("REV")=="1", device='cpu')
gates=torch.randn(n,4*h,requires_grad=True); w=torch.randn(4*h,h)*0.1; w.requires_grad_(True)
def run():
    out=_Recurrence.apply(gates,w,plan)
    out.backward(torch.ones_like(out))
for _ in range(5): run()
best=1e9
for r in range(7):
    s=time.process_time()
    for _ in range(20): run()
    best=min(best,(time.process_time()-s)/20*1e3)
print(f"n={n} steps={len(steps)} fwd+bwd {best:.3f} ms")
if len(sys.argv)>1:
    from torch.profiler import profile
    with profile() as p:
        for _ in range(20): run()
    print(p.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))
