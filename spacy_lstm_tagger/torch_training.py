"""The LSTMTagger's training forward on the CPU, where it differs from
nn.LSTM's and nn.Dropout's own code in cost, not in function (held to them by
tests/test_training_speed.py). Imports only torch.
"""
from typing import List, Optional, Sequence, Tuple

import torch
from torch import nn


def dropout(x: torch.Tensor, module: nn.Module) -> torch.Tensor:
    """What module (an nn.Dropout, or an nn.LSTM between its layers) does to
    x: in training, each value kept with probability 1 - p and scaled by
    1 / (1 - p). On the CPU the mask is drawn with rand: torch's CPU
    bernoulli_ cost about three times the rest of the dropout, and an
    update has three."""
    p = module.p if isinstance(module, nn.Dropout) else module.dropout
    if not module.training or not p:
        return x
    if x.device.type != "cpu" or p >= 1.0:
        return nn.functional.dropout(x, p, training=True)
    return x * torch.rand_like(x).ge_(p).mul_(1.0 / (1.0 - p))


# Training on the CPU: nn.LSTM's forward over a packed batch, the same
# function of the same parameters, with a backward that costs what the
# tokens cost. On the CPU, nn.LSTM's packed path computes each layer's input
# projection for all tokens at once and then narrows out one time step after
# another; the backward of each narrow is a zero-filled gradient of the whole
# projection (n_tokens x 4 x hidden) added into the total, so a batch cost
# (its longest sequence) x (its tokens) in memory traffic on top of the
# arithmetic, and autograd's per-step graph the rest. Here the recurrence's
# backward is written out (_Recurrence). Prediction keeps nn.LSTM (and the
# fused graph built from its weights); the outputs and gradients agree with
# it up to float rounding (tests/test_training_speed.py). With a
# product_dtype (the architecture's training_precision) the input
# projections, the largest products, run in that precision
# (low_precision_linear); the recurrence and the cell state stay float32.


def packed_lstm_supported(lstm: nn.Module) -> bool:
    """Whether packed_lstm computes this module's function: an nn.LSTM with
    biases and without projections (what LSTMTagger builds)."""
    return type(lstm) is nn.LSTM and lstm.bias and not lstm.proj_size and lstm.mode == "LSTM"


def packed_lstm(
    lstm: nn.LSTM, data: torch.Tensor, batch_sizes: torch.Tensor, product_dtype: Optional[torch.dtype] = None
) -> torch.Tensor:
    """The `.data` of lstm(PackedSequence(data, batch_sizes))[0], with the
    module's dropout between layers when it is in training mode: (n_tokens,
    hidden x directions), in the packed (time-major) order of data.
    product_dtype: the input projections' products in that precision
    (low_precision_linear), the recurrence float32."""
    steps: List[int] = batch_sizes.tolist()
    suffixes = ["", "_reverse"] if lstm.bidirectional else [""]
    plans = [_Plan(steps, reverse=bool(suffix), device=data.device) for suffix in suffixes]
    layer_input = data
    for layer in range(lstm.num_layers):
        if layer and lstm.dropout and lstm.training:
            layer_input = dropout(layer_input, lstm)
        outputs = []
        names = [f"l{layer}{suffix}" for suffix in suffixes]
        biases = [getattr(lstm, f"bias_ih_{name}") + getattr(lstm, f"bias_hh_{name}") for name in names]
        if product_dtype is not None:
            # Every direction's projection in one product.
            projections = low_precision_linear(
                layer_input, [getattr(lstm, f"weight_ih_{name}") for name in names], biases, product_dtype
            )
        else:
            # The largest product: every token of the layer at once.
            projections = [
                torch.addmm(bias, layer_input, getattr(lstm, f"weight_ih_{name}").t())
                for name, bias in zip(names, biases)
            ]
        for name, plan, gates in zip(names, plans, projections):
            outputs.append(_Recurrence.apply(gates, getattr(lstm, f"weight_hh_{name}"), plan))
        layer_input = torch.cat(outputs, dim=1) if len(outputs) > 1 else outputs[0]
    return layer_input


ROW_MULTIPLE = 64


def low_precision_linear(
    x: torch.Tensor, weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor], dtype: torch.dtype
) -> Tuple[torch.Tensor, ...]:
    """x W_k^T + b_k for each weight W_k, as float32 tensors, with the
    products of the forward and of the backward in dtype (bfloat16): on a CPU
    with AVX-512 BF16 or AMX they run several times faster than float32's.
    The weights' and x's gradients come back float32; the weights themselves
    are only read. One product covers all the weights (a layer's
    directions)."""
    return _LowPrecisionLinear.apply(x, dtype, len(weights), *weights, *biases)


class _LowPrecisionLinear(torch.autograd.Function):
    """low_precision_linear's products, with the casts done once each: x and
    the weights to dtype in the forward (kept for the backward, half the
    memory of float32), the outputs' gradients to dtype in the backward.
    torch.autocast does the same products but casts at every operation, and
    made a whole update slower than float32's here (BENCHMARKS.md, "The cost
    of an update")."""

    @staticmethod
    def forward(ctx, x, dtype, n_weights, *weights_and_biases):
        weights, biases = weights_and_biases[:n_weights], weights_and_biases[n_weights:]
        n_rows = x.shape[0]
        rows = [w.shape[0] for w in weights]
        low_x = _padded(x.detach(), dtype)
        low_weights = torch.cat([w.detach() for w in weights]).to(dtype)
        # The bias goes into the product in dtype too: the product is rounded
        # to dtype anyway, and a separate float32 add over the outputs cost
        # as much as the product.
        low_bias = torch.cat([b.detach() for b in biases]).to(dtype)
        product = torch.addmm(low_bias, low_x, low_weights.t())[:n_rows].float()
        ctx.save_for_backward(low_x, low_weights)
        ctx.rows = rows
        ctx.n_rows = n_rows
        # Several weights: column views of the one product (the recurrence
        # copies its gates); one: the product itself, which may be changed in place.
        return tuple(product.split(rows, dim=1)) if n_weights > 1 else (product,)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, *grads):
        low_x, low_weights = ctx.saved_tensors
        rows, n_rows = ctx.rows, ctx.n_rows
        # Every output has a gradient here: autograd gives zeros for one
        # that was not used (the Function materializes them).
        low_grad = low_x.new_empty((low_x.shape[0], sum(rows)))
        # Padding rows zero, so that they add nothing to the weights' gradient.
        low_grad[n_rows:].zero_()
        for part, grad in zip(low_grad[:n_rows].split(rows, dim=1), grads):
            part.copy_(grad)
        d_x = low_grad.mm(low_weights)[:n_rows].float() if ctx.needs_input_grad[0] else None
        d_weights = low_grad.t().mm(low_x).float().split(rows)
        return (d_x, None, None, *d_weights, *(grad.sum(0) for grad in grads))


def _padded(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """x in dtype, its rows padded with zeros to a multiple of ROW_MULTIPLE:
    oneDNN builds a kernel for every new shape of a product (about 2 ms each
    here), and a batch's token count is new almost every update."""
    n_rows = x.shape[0]
    padded = x.new_empty((-(-n_rows // ROW_MULTIPLE) * ROW_MULTIPLE, x.shape[1]), dtype=dtype)
    padded[:n_rows].copy_(x)
    padded[n_rows:].zero_()
    return padded


class _Plan:
    """Where each time step's tokens are in the packed order, and which step
    feeds it: for the forward direction the one before (all its rows but the
    sequences that ended), backward in time the one after (whose sequences
    are the first rows of this one; the others start here from zeros)."""

    def __init__(self, steps: List[int], reverse: bool, device):
        self.steps = steps
        self.offsets = [0] * len(steps)
        for t in range(1, len(steps)):
            self.offsets[t] = self.offsets[t - 1] + steps[t - 1]
        n_steps = len(steps)
        self.order = list(range(n_steps - 1, -1, -1)) if reverse else list(range(n_steps))
        # prev[t]: the step whose output step t reads (-1: none); shared[t]:
        # how many sequences the two have in common, the first rows of both.
        if reverse:
            self.prev = [t + 1 if t + 1 < n_steps else -1 for t in range(n_steps)]
            self.shared = [steps[t + 1] if t + 1 < n_steps else 0 for t in range(n_steps)]
        else:
            self.prev = [t - 1 for t in range(n_steps)]
            self.shared = [steps[t] if t else 0 for t in range(n_steps)]
        # The same as index tensors over all steps: the rows that read a
        # previous output, and the rows they read.
        sizes = torch.tensor(self.shared, dtype=torch.int64)
        starts = torch.tensor(self.offsets, dtype=torch.int64)
        prev_starts = torch.tensor([self.offsets[p] if p >= 0 else 0 for p in self.prev], dtype=torch.int64)
        within = torch.arange(int(sizes.sum())) - torch.repeat_interleave(torch.cumsum(sizes, 0) - sizes, sizes)
        self.rows = (torch.repeat_interleave(starts, sizes) + within).to(device)
        self.prev_rows = (torch.repeat_interleave(prev_starts, sizes) + within).to(device)

    def previous(self, values: torch.Tensor) -> torch.Tensor:
        """Each row's value at the step it reads (zeros where its sequence
        starts), for values in the packed order."""
        return torch.zeros_like(values).index_copy_(0, self.rows, values.index_select(0, self.prev_rows))


class _Recurrence(torch.autograd.Function):
    """One direction of one layer: torch's LSTM cell (gates i, f, g, o) over
    the packed steps, from the input projection plus both biases (gates:
    n_tokens x 4 hidden) and the recurrent weights. Returns the outputs,
    (n_tokens, hidden) in packed order.

    The backward is written out rather than recorded by autograd: per step
    five in-place operations on slices of whole-batch buffers (the gate
    derivatives that need no recurrence are computed for all tokens at
    once), and the recurrent weights' gradient as one product over all
    tokens instead of one per step. Autograd's per-step graph was most of
    an update's time on a CPU."""

    @staticmethod
    def forward(ctx, gates: torch.Tensor, weight_hh: torch.Tensor, plan: _Plan) -> torch.Tensor:
        hidden = weight_hh.shape[1]
        # Pre-activations, turned into the activations in place, step by step.
        # tanh(x) is computed as 2 sigmoid(2x) - 1: torch's CPU tanh costs
        # five to seven times its sigmoid per element here. The cell gate's 2x is folded into
        # its columns of the input projection and the recurrent weights, so
        # one sigmoid covers all four gates; the loop then carries twice the
        # cell gate and twice the cell state (tanh(c) = 2 sigmoid(2c) - 1),
        # halved once for all tokens after it. The constants are 0-dim
        # tensors: a Python number costs a conversion per operation.
        act = gates.detach().clone()
        g_columns = slice(2 * hidden, 3 * hidden)
        act[:, g_columns].mul_(2.0)
        cell = gates.new_empty((gates.shape[0], hidden))
        tanh_cell = torch.empty_like(cell)
        out = torch.empty_like(cell)
        recurrent = weight_hh.detach().t().clone()
        recurrent[:, g_columns].mul_(2.0)
        minus_one, minus_two = gates.new_tensor(-1.0), gates.new_tensor(-2.0)
        # Each step's rows as views made once (split), its gates by unbind:
        # the loop's own Python and slicing were a third of its time.
        acts, cells, tanhs, outs = (x.split(plan.steps) for x in (act, cell, tanh_cell, out))
        for t in plan.order:
            step = acts[t]
            i, f, g2, o = step.view(-1, 4, hidden).unbind(1)
            p = plan.prev[t]
            if p >= 0:
                shared = plan.shared[t]
                whole = shared == len(step)
                (step if whole else step[:shared]).addmm_(outs[p][:shared], recurrent)
            step.sigmoid_()
            torch.add(minus_two, g2, alpha=4.0, out=g2)
            c2 = torch.mul(i, g2, out=cells[t])
            if p >= 0:
                (c2 if whole else c2[:shared]).addcmul_(f if whole else f[:shared], cells[p][:shared])
            tc = torch.sigmoid(c2, out=tanhs[t])
            torch.add(minus_one, tc, alpha=2.0, out=tc)
            torch.mul(o, tc, out=outs[t])
        act[:, g_columns].mul_(0.5)
        cell.mul_(0.5)
        ctx.save_for_backward(act, cell, tanh_cell, out, weight_hh)
        ctx.plan = plan
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out: torch.Tensor):
        act, cell, tanh_cell, out, weight_hh = ctx.saved_tensors
        plan = ctx.plan
        hidden = cell.shape[1]
        i, f, g, o = act.split(hidden, dim=1)
        cell_prev = plan.previous(cell)
        # d pre-activation = factor x (d cell) for i, f, g, and x (d output)
        # for o; d cell gets (d output) x o x (1 - tanh(c)^2).
        factors = torch.empty_like(act)
        factor_i, factor_f, factor_g, factor_o = factors.split(hidden, dim=1)
        torch.mul(g, i * (1 - i), out=factor_i)
        torch.mul(cell_prev, f * (1 - f), out=factor_f)
        torch.mul(i, 1 - g * g, out=factor_g)
        torch.mul(tanh_cell, o * (1 - o), out=factor_o)
        out_to_cell = o * (1 - tanh_cell * tanh_cell)
        d_out = grad_out.contiguous().clone()
        d_cell = torch.zeros_like(cell)
        d_gates = torch.empty_like(act)
        # Per step views, made once: the gate gradients of i, f, g (one
        # product with the cell's gradient) and of o.
        d_gates_ifg = d_gates.view(-1, 4, hidden)[:, :3].split(plan.steps)
        d_gates_o = d_gates.view(-1, 4, hidden)[:, 3].split(plan.steps)
        factors_ifg = factors.view(-1, 4, hidden)[:, :3].split(plan.steps)
        steps_d_gates, steps_d_out, steps_d_cell, steps_out_to_cell, steps_factor_o, steps_f = (
            x.split(plan.steps) for x in (d_gates, d_out, d_cell, out_to_cell, factor_o, f)
        )
        for t in reversed(plan.order):
            dh = steps_d_out[t]
            dc = steps_d_cell[t].addcmul_(dh, steps_out_to_cell[t])
            torch.mul(dc.unsqueeze(1), factors_ifg[t], out=d_gates_ifg[t])
            torch.mul(dh, steps_factor_o[t], out=d_gates_o[t])
            p = plan.prev[t]
            if p >= 0:
                shared = plan.shared[t]
                whole = shared == len(dh)
                steps_d_cell[p][:shared].addcmul_(
                    dc if whole else dc[:shared], steps_f[t] if whole else steps_f[t][:shared]
                )
                steps_d_out[p][:shared].addmm_(steps_d_gates[t] if whole else steps_d_gates[t][:shared], weight_hh)
        # With each row's previous output (zeros where a sequence starts): one
        # product over all rows, without gathering the 4 x wider d_gates.
        d_weight = d_gates.t().mm(plan.previous(out))
        return d_gates, d_weight, None
