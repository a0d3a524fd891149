import sys, resource, time, os
sys.path.insert(0, "benchmarks")  # run from the repository root
import torch
torch.set_num_threads(1)
import update_cost as uc
v = uc.Variant("base", "configs/default.cfg", {}, None, None, None, 0, None)
v.run(4)
r0 = resource.getrusage(resource.RUSAGE_SELF); t0 = time.process_time()
s, w = v.run(24)
r1 = resource.getrusage(resource.RUSAGE_SELF); t1 = time.process_time()
print(os.environ.get("GLIBC_TUNABLES", "-"), "faults/update", (r1.ru_minflt - r0.ru_minflt) / 24,
      "sys s/update", (r1.ru_stime - r0.ru_stime) / 24, "user s/update", (r1.ru_utime - r0.ru_utime) / 24)
