import torch, random, resource
from spacy_lstm_tagger.torch_training import _Plan, _Recurrence
torch.set_num_threads(1)
random.seed(0)
lengths = sorted([random.choice([5,8,12,15,20,25,30,40,60,80]) for _ in range(60)], reverse=True)
n = sum(lengths)
steps = [sum(1 for l in lengths if l > t) for t in range(lengths[0])]
H = 128
gates = torch.randn(n, 4 * H, requires_grad=True)
w = (torch.randn(4 * H, H) * 0.1).requires_grad_()
plan = _Plan(steps, reverse=False, device="cpu")
def run():
    out = _Recurrence.apply(gates, w, plan)
    out.sum().backward()
for _ in range(5): run()
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20): run()
print("minor faults per fwd+bwd", (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 20, "MB of 4k pages", (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 20 * 4096 / 1e6)
