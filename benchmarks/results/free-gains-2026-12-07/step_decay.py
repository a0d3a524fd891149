"""A step decay of the learning rate (issue 32's candidate "a step decay of the learning rate for
the last third"; UDPipe 2.0 trains at 1e-3, then 1e-4 for the last third of its epochs): the
default's linear warm-up, then the initial rate held, then that rate times `factor` from update
`decay_at` on. thinc's schedules have no step (warmup_linear decays linearly from the warm-up's
end), so it is registered here and given to `spacy train` with `--code`."""
from thinc.api import registry


@registry.schedules("free_gains.step_decay.v1")
def step_decay(initial_rate: float, warmup_steps: int, decay_at: int, factor: float):
    step = 0
    while True:
        if step < warmup_steps:
            yield initial_rate * step / max(1, warmup_steps)
        elif step < decay_at:
            yield initial_rate
        else:
            yield initial_rate * factor
        step += 1
