# PyTorch as a benchmark peer: a child process serving the line protocol of bench/lib/protocol.ts
# (one JSON request per stdin line, one "@@bench "-prefixed JSON reply per stdout line).
# Run by bench/run.ts with Debian's PyTorch: /usr/bin/python3 bench/peers/torch_bench.py
#
# Threads are left at PyTorch's defaults (1 intra-op thread here, OpenBLAS with its own pool): on the
# 2-core benchmark machine that is PyTorch's fastest setting (see /work/shared/notes/anchors.md).

import ctypes
import json
import os
import re
import resource
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

MARK = "@@bench "
BATCH_SIZE = 64
LEARNING_RATE = 1e-3


def build_model(task):
    if task == "mlp-small":
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    if task == "mlp-big":
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    if task == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
        )
    raise ValueError(f"unknown task {task!r}")


def read_mnist(data_dir):
    def load(name, dtype):
        return torch.from_numpy(np.fromfile(os.path.join(data_dir, name), dtype=dtype))
    return {
        "train_x": load("train-x.f32", "<f4"), "train_y": load("train-y.i32", "<i4").long(),
        "test_x": load("test-x.f32", "<f4"), "test_y": load("test-y.i32", "<i4").long(),
    }


def images(x, task):
    return x.view(-1, 1, 28, 28) if task == "cnn" else x.view(-1, 784)


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p), ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def blas_info():
    """Which BLAS serves torch.mm in this process: the library that torch's own sgemm_ symbol resolves to.
    Debian's default libblas.so.3 (package libblas3) is the netlib reference implementation, several to
    tens of times slower than OpenBLAS, and Linear layers' speed follows it. The shared objects mapped
    are not enough: with LD_LIBRARY_PATH or the alternatives pointing libblas.so.3 at the reference
    build, OpenBLAS can still be mapped (through liblapack.so.3) while sgemm_ goes to the reference one.
    Returns {"blas": name, "blasLibrary": path or None, "blasConfig": OpenBLAS's build line or None}."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "/" in line}
    library, config = None, None
    torch_cpu = sorted(p for p in paths if os.path.basename(p).startswith(("libtorch_cpu.", "libtorch.")))
    try:
        # dlopen of a library already loaded returns it; dlsym then searches its own dependency order.
        handle = ctypes.CDLL(torch_cpu[0]) if torch_cpu else ctypes.CDLL(None)
        info = _DlInfo()
        if ctypes.CDLL(None).dladdr(ctypes.c_void_p(ctypes.cast(handle.sgemm_, ctypes.c_void_p).value), ctypes.byref(info)) and info.dli_fname:
            library = os.path.realpath(info.dli_fname.decode())
            # Asked of the library that serves sgemm_ (and its dependencies) only, not of torch's.
            get_config = ctypes.CDLL(library).openblas_get_config
            get_config.restype = ctypes.c_char_p
            config = get_config().decode()
    except (AttributeError, OSError, IndexError):
        pass
    where = (library or "").lower()
    if "openblas" in where or config is not None:
        name = "OpenBLAS"
    elif "mkl" in where:
        name = "MKL"
    elif "blis" in where:
        name = "BLIS"
    elif "atlas" in where:
        name = "ATLAS"
    elif "/blas/libblas" in where:
        name = "reference BLAS"
    elif library is None or os.path.basename(where).startswith("libtorch"):
        # sgemm_ not exported (a wheel with MKL linked in statically): what torch says it was built with.
        built = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
        name = {"mkl": "MKL", "open": "OpenBLAS", "openblas": "OpenBLAS"}.get(built.group(1), "unknown") if built else "unknown"
    else:
        name = "unknown"
    return {"blas": name, "blasLibrary": library, "blasConfig": config}


def time_calls(fn, warmup=2, minCalls=3, minTime=0.3, **_):
    """Median seconds per call: warm-up calls, then calls until both minCalls and minTime are reached."""
    for _ in range(warmup):
        fn()
    samples = []
    start = time.perf_counter()
    while len(samples) < minCalls or time.perf_counter() - start < minTime:
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return {"seconds": statistics.median(samples), "calls": len(samples)}


def seq_call(model):
    """The call one turn of the "seq" section times, built from the workload's model spec (bench/lib/tasks.ts
    SEQ_WORKLOADS) as bench/tensorgrad/seq.ts builds it."""
    torch.manual_seed(0)
    kind = model["kind"]
    if kind == "bmm":
        q, k = torch.randn(*model["a"]), torch.randn(*model["b"])

        def product():
            with torch.no_grad():
                return torch.matmul(q, k)
        return product
    if kind == "transformer":
        d = model["d"]
        layer = nn.TransformerEncoderLayer(d, model["heads"], dim_feedforward=model["ff"], dropout=0.1, batch_first=True)
        encoder, head = nn.TransformerEncoder(layer, model["layers"]), nn.Linear(d, 10)
        modules, x = [encoder, head], torch.randn(model["batch"], model["length"], d)

        def forward(x):
            return head(encoder(x).mean(1))
    elif kind in ("lstm", "gru"):
        rnn = (nn.LSTM if kind == "lstm" else nn.GRU)(model["input"], model["hidden"], batch_first=True)
        head = nn.Linear(model["hidden"], 10)
        modules, x = [rnn, head], torch.randn(model["batch"], model["steps"], model["input"])

        def forward(x):
            return head(rnn(x)[0][:, -1])
    else:
        raise ValueError(f"unknown seq model {kind!r}")
    y = torch.randint(0, 10, (x.shape[0],))
    opt = torch.optim.Adam([p for m in modules for p in m.parameters()], lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()

    def train_step():
        opt.zero_grad()
        loss_fn(forward(x), y).backward()
        opt.step()
    return train_step


class Peer:
    def __init__(self):
        self.session = None
        self.mm = None
        self.infer_state = None
        self.seq_calls = {}

    def hello(self, req):
        blas = blas_info()
        pool = " + OpenBLAS pool" if blas["blas"] == "OpenBLAS" else ""
        return {
            "name": "PyTorch", "version": f"{torch.__version__} ({blas['blas']})",
            "threads": f"{torch.get_num_threads()} intra-op{pool}",
            "python": sys.version.split()[0], **blas,
        }

    def setup(self, req):
        task = req["task"]
        data = read_mnist(req["dataDir"])
        torch.manual_seed(req.get("seed", 0))
        model = build_model(task)
        self.session = {
            "model": model,
            "optimizer": torch.optim.Adam(model.parameters(), lr=LEARNING_RATE),
            "loss": nn.CrossEntropyLoss(),
            "x": images(data["train_x"], task), "y": data["train_y"],
            "test_x": images(data["test_x"], task), "test_y": data["test_y"],
        }
        return {"parameters": sum(p.numel() for p in model.parameters()), "trainSamples": len(data["train_y"])}

    def train(self, req):
        """One epoch (or its first `batches` batches) of the plain loop, reshuffled by index."""
        s = self.session
        n = s["x"].shape[0]
        max_batches = req.get("batches") or (n + BATCH_SIZE - 1) // BATCH_SIZE
        model, opt, loss_fn = s["model"], s["optimizer"], s["loss"]
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        batches = 0
        for start in range(0, n, BATCH_SIZE):
            idx = perm[start:start + BATCH_SIZE]
            opt.zero_grad()
            loss = loss_fn(model(s["x"][idx]), s["y"][idx])
            loss.backward()
            opt.step()
            batches += 1
            if batches >= max_batches:
                break
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "batches": batches, "loss": loss.item()}

    def evaluate(self, req):
        s = self.session
        s["model"].eval()
        with torch.no_grad():
            pred = s["model"](s["test_x"]).argmax(1)
        s["model"].train()
        return {"accuracy": (pred == s["test_y"]).float().mean().item()}

    def matmul(self, req):
        n = req["n"]
        if self.mm is None or self.mm[0] != n:
            g = torch.Generator().manual_seed(n)
            self.mm = (n, torch.randn(n, n, generator=g), torch.randn(n, n, generator=g))
        _, a, b = self.mm
        return time_calls(lambda: torch.mm(a, b), **req)

    def infer(self, req):
        if self.infer_state is None:
            torch.manual_seed(0)
            model = build_model("mlp-big").eval()
            self.infer_state = (model, read_mnist(req["dataDir"])["test_x"].view(-1, 784), {})
        model, inputs, cache = self.infer_state
        batch = req["batch"]
        x = cache.setdefault(batch, inputs[:batch].clone())

        def call():
            with torch.no_grad():
                return model(x).softmax(-1).numpy()
        return time_calls(call, **req)

    def step(self, req):
        """One call of a "seq" workload (bench/lib/tasks.ts SEQ_WORKLOADS), timed."""
        w = req["workload"]
        if w not in self.seq_calls:
            self.seq_calls[w] = seq_call(req["model"])
        return time_calls(self.seq_calls[w], **req)

    def stats(self, req):
        usage = resource.getrusage(resource.RUSAGE_SELF)
        with open("/proc/self/statm") as f:
            rss_pages = int(f.read().split()[1])
        return {
            "maxRssBytes": usage.ru_maxrss * 1024,  # ru_maxrss is in KiB on Linux
            "rssBytes": rss_pages * os.sysconf("SC_PAGE_SIZE"),
            "cpuSeconds": usage.ru_utime + usage.ru_stime,
        }


def main():
    peer = Peer()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        if req["cmd"] == "exit":
            break
        handler = getattr(peer, req["cmd"], None)
        try:
            if handler is None or req["cmd"].startswith("_"):
                raise ValueError(f"unknown command {req['cmd']!r}")
            reply = {"id": req["id"], "ok": True, "result": handler(req)}
        except Exception as e:  # one failing measurement must not end the peer's other measurements
            reply = {"id": req["id"], "ok": False, "error": f"{type(e).__name__}: {e}".split("\n")[0]}
        sys.stdout.write(MARK + json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1:] == ["--probe"]:
        # bench/lib/contenders.ts's check before any section: can torch be imported, and on which BLAS.
        print(json.dumps({"version": torch.__version__, **blas_info()}))
    else:
        main()
