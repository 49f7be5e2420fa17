#!/usr/bin/env python3
"""PyTorch versions of three reference KAN layers, for timing and parity checks.

Written for tfjs-addons from the maths of the reference implementations (not
copied from them):

- efficient-kan `KANLinear` (Blealtan/efficient-kan, src/efficient_kan/kan.py):
  y = silu(x) @ base_weight.T + B(x).view(N, -1) @ (spline_weight * spline_scaler[..., None]).view(O, -1).T,
  B the order-k B-splines of x on the per-input knots `grid [I, G+2k+1]`
  (Cox-de Boor, half-open [t_j, t_{j+1}) indicator at order 0).
- fast-kan `FastKANLayer` (ZiyaoLi/fast-kan, fastkan/fastkan.py):
  z = LayerNorm(x); b_j = exp(-((z - c_j)/h)^2), c = linspace(gmin, gmax, n), h = (gmax - gmin)/(n - 1);
  y = b.view(N, -1) @ spline_weight.T + silu(x) @ base_weight.T + base_bias.
- ChebyKAN `ChebyKANLayer` (SynodicMonth/ChebyKAN, ChebyKANLayer.py):
  t = tanh(x); T_d = cos(d * acos(t)); y = einsum('bid,iod->bo', T, cheby_coeffs).

Weights use the torch layouts ([out, in, ...]); our tfjs layers store [in, ..., out].

Usage (always 1 thread, float32, cpu):
  python3 bench/torch_ref.py time [--batch 256 --in 784 --out 64 --warmup 3 --reps 15]
      prints JSON {"torch": version, "threads": 1, "blas": library, "ms": {"efficient_kan": [...], ...},
      "cpu_ms": {...}} with every rep's wall and process CPU time of one forward+backward of mean(y^2)
      w.r.t. every trainable parameter.
  python3 bench/torch_ref.py forward < request.json
      request {"layer": "efficient_kan" | "fast_kan" | "chebykan", "x": {"shape", "data"},
               "weights": {name: {"shape", "data"}}, "config": {...}} (torch layouts);
      prints {"shape", "data"} of the forward output, computed in float64.
"""
import argparse
import json
import math
import sys
import time

import torch

torch.set_num_threads(1)


def bspline_bases(x, grid, k):
    """Order-k B-spline bases of x [N, I] on grid [I, M] -> [N, I, M-1-k] (Cox-de Boor)."""
    xe = x.unsqueeze(-1)  # [N, I, 1]
    lo = grid[:, :-1]
    hi = grid[:, 1:]
    b = ((xe >= lo) & (xe < hi)).to(x.dtype)  # order 0: [N, I, M-1]
    for p in range(1, k + 1):
        t_j = grid[:, : -(p + 1)]
        t_jp = grid[:, p:-1]
        t_j1 = grid[:, 1:-p]
        t_jp1 = grid[:, p + 1 :]
        b = (xe - t_j) / (t_jp - t_j) * b[..., :-1] + (t_jp1 - xe) / (t_jp1 - t_j1) * b[..., 1:]
    return b


class EfficientKANLinear(torch.nn.Module):
    """efficient-kan KANLinear forward (SiLU base branch + scaled B-spline branch)."""

    def __init__(self, n_in, n_out, grid_size=5, spline_order=3, grid_range=(-1.0, 1.0)):
        super().__init__()
        self.k = spline_order
        h = (grid_range[1] - grid_range[0]) / grid_size
        knots = torch.arange(-spline_order, grid_size + spline_order + 1, dtype=torch.float32) * h + grid_range[0]
        self.register_buffer("grid", knots.expand(n_in, -1).contiguous())
        bound = 1 / math.sqrt(n_in)
        self.base_weight = torch.nn.Parameter(torch.empty(n_out, n_in).uniform_(-bound, bound))
        self.spline_weight = torch.nn.Parameter(torch.randn(n_out, n_in, grid_size + spline_order) * 0.01)
        self.spline_scaler = torch.nn.Parameter(torch.empty(n_out, n_in).uniform_(-bound, bound))

    def forward(self, x):
        n_out = self.base_weight.shape[0]
        base = torch.nn.functional.linear(torch.nn.functional.silu(x), self.base_weight)
        scaled = (self.spline_weight * self.spline_scaler.unsqueeze(-1)).view(n_out, -1)
        spline = torch.nn.functional.linear(bspline_bases(x, self.grid, self.k).reshape(x.shape[0], -1), scaled)
        return base + spline


class FastKANLayer(torch.nn.Module):
    """fast-kan FastKANLayer forward (LayerNorm -> Gaussian RBF -> linear, plus SiLU base linear)."""

    def __init__(self, n_in, n_out, grid_min=-2.0, grid_max=2.0, num_grids=8):
        super().__init__()
        self.layernorm = torch.nn.LayerNorm(n_in)
        self.register_buffer("centers", torch.linspace(grid_min, grid_max, num_grids))
        self.h = (grid_max - grid_min) / (num_grids - 1)
        self.spline_weight = torch.nn.Parameter(torch.randn(n_out, n_in * num_grids) * 0.1)
        self.base_linear = torch.nn.Linear(n_in, n_out)

    def forward(self, x):
        z = self.layernorm(x)
        basis = torch.exp(-(((z.unsqueeze(-1) - self.centers) / self.h) ** 2))
        spline = torch.nn.functional.linear(basis.reshape(x.shape[0], -1), self.spline_weight)
        return spline + self.base_linear(torch.nn.functional.silu(x))


class ChebyKANLayer(torch.nn.Module):
    """ChebyKAN ChebyKANLayer forward (Chebyshev series of tanh(x) by cos(d*acos))."""

    def __init__(self, n_in, n_out, degree=3):
        super().__init__()
        self.cheby_coeffs = torch.nn.Parameter(torch.randn(n_in, n_out, degree + 1) / (n_in * (degree + 1)))
        self.register_buffer("degrees", torch.arange(0, degree + 1, dtype=torch.float32))

    def forward(self, x):
        d1 = self.cheby_coeffs.shape[2]
        t = torch.tanh(x).unsqueeze(-1).expand(-1, -1, d1)  # [N, I, D+1]
        basis = torch.cos(torch.acos(t) * self.degrees)
        return torch.einsum("bid,iod->bo", basis, self.cheby_coeffs)


def make(name, n_in, n_out, config):
    if name == "efficient_kan":
        return EfficientKANLinear(n_in, n_out, config.get("grid_size", 5), config.get("spline_order", 3),
                                  tuple(config.get("grid_range", (-1.0, 1.0))))
    if name == "fast_kan":
        return FastKANLayer(n_in, n_out, config.get("grid_min", -2.0), config.get("grid_max", 2.0),
                            config.get("num_grids", 8))
    if name == "chebykan":
        return ChebyKANLayer(n_in, n_out, config.get("degree", 3))
    raise SystemExit(f"torch_ref.py: unknown layer {name!r}")


def blas_library():
    """The BLAS shared library this process loaded (Debian's python3-torch uses the libblas.so.3 alternative)."""
    import os
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() or "mkl" in line.lower()}
    except OSError:
        return "unknown"
    names = sorted({os.path.basename(os.path.realpath(p)) for p in libs if p.startswith("/")})
    return ", ".join(names) or "unknown"


def time_layers(args):
    torch.manual_seed(0)
    x = torch.rand(args.batch, args.n_in) * 2 - 1
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": args.batch,
           "in": args.n_in, "out": args.n_out, "ms": {}, "cpu_ms": {}}
    for name in ("efficient_kan", "fast_kan", "chebykan"):
        layer = make(name, args.n_in, args.n_out, {})
        params = [p for p in layer.parameters() if p.requires_grad]

        def step():
            for p in params:
                p.grad = None
            loss = (layer(x) ** 2).mean()
            loss.backward()

        for _ in range(args.warmup):
            step()
        times = []
        cpu = []
        for _ in range(args.reps):
            c0 = time.process_time()
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        out["ms"][name] = times
        out["cpu_ms"][name] = cpu
    out["blas"] = blas_library()
    print(json.dumps(out))


def tensor_from(spec):
    return torch.tensor(spec["data"], dtype=torch.float64).reshape(spec["shape"])


def forward(_args):
    req = json.load(sys.stdin)
    x = tensor_from(req["x"])
    layer = make(req["layer"], x.shape[1], req["n_out"], req.get("config", {})).double()
    state = {name: tensor_from(spec) for name, spec in req["weights"].items()}
    missing, unexpected = layer.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if m not in ("grid", "centers", "degrees")]:
        raise SystemExit(f"torch_ref.py: weights do not match {req['layer']}: missing {missing}, unexpected {unexpected}")
    with torch.no_grad():
        y = layer(x)
    print(json.dumps({"shape": list(y.shape), "data": y.reshape(-1).tolist()}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("time")
    t.add_argument("--batch", type=int, default=256)
    t.add_argument("--in", dest="n_in", type=int, default=784)
    t.add_argument("--out", dest="n_out", type=int, default=64)
    t.add_argument("--warmup", type=int, default=3)
    t.add_argument("--reps", type=int, default=15)
    sub.add_parser("forward")
    args = parser.parse_args()
    {"time": time_layers, "forward": forward}[args.cmd](args)


if __name__ == "__main__":
    main()
