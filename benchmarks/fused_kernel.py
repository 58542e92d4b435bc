"""What a compiled kernel would buy the exact neighbour search: a measurement, not part of datafix.

datafix's exact self-search (``datafix.neighbors``) scores every pair of
768-row tiles with one float32 product ``[x, |x|^2, 1] . [-2 q, 1, |q|^2]``
(OpenBLAS) followed by a row minimum and a column minimum (numpy). On data
where no bound prunes (the 100k x 20 four-class set of
``benchmarks/resampling.py``) that is the whole cost, and it keeps ENN,
RepeatedENN and AllKNN at about 3x imbalanced-learn (issue 18 asks 5x).

This script compiles a small AVX-512 C kernel that computes the same row and
column minima in one pass, 8 x 32 scores in registers at a time, without
writing the 768 x 768 scores to memory, and times it against the BLAS +
numpy path on one core:

    python benchmarks/fused_kernel.py              # 768 x 768 tile pairs, K = 22 (20 features)
    python benchmarks/fused_kernel.py --features 50

It needs a C compiler (``cc``) and a CPU with AVX-512F; it says so and stops
otherwise. Shipping such a kernel would make datafix a compiled package (a C
extension built for every platform, with an AVX2 and a portable fallback):
the resampling guide ("Speed") gives the measurements this decision rests on.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import os
import platform
import shutil
import subprocess
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core on both sides
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from datafix.neighbors import _fit_side, _query_side  # noqa: E402

KERNEL = r"""
#include <immintrin.h>
#include <float.h>

/* rowmin[i] = min_j (L R)_ij and colmin[j] = min_i (L R)_ij for L (m x K, row stride ldl) and
   R (K x n, row stride ldr), float32: blocks of 8 rows x 32 columns in 16 AVX-512 registers,
   the edges in scalar code. */
void tile_minima(const float *L, int ldl, const float *R, int ldr, int m, int n, int K,
                 float *rowmin, float *colmin) {
    int m8 = m - m % 8, n32 = n - n % 32;
    for (int j = 0; j < n; j++) colmin[j] = FLT_MAX;
    for (int i = 0; i < m; i++) rowmin[i] = FLT_MAX;
    for (int i0 = 0; i0 < m8; i0 += 8) {
        __m512 rmin[8];
        for (int r = 0; r < 8; r++) rmin[r] = _mm512_set1_ps(FLT_MAX);
        for (int j0 = 0; j0 < n32; j0 += 32) {
            __m512 a0[8], a1[8];
            for (int r = 0; r < 8; r++) { a0[r] = _mm512_setzero_ps(); a1[r] = _mm512_setzero_ps(); }
            for (int k = 0; k < K; k++) {
                __m512 b0 = _mm512_loadu_ps(R + (size_t)k * ldr + j0);
                __m512 b1 = _mm512_loadu_ps(R + (size_t)k * ldr + j0 + 16);
                for (int r = 0; r < 8; r++) {
                    __m512 a = _mm512_set1_ps(L[(size_t)(i0 + r) * ldl + k]);
                    a0[r] = _mm512_fmadd_ps(a, b0, a0[r]);
                    a1[r] = _mm512_fmadd_ps(a, b1, a1[r]);
                }
            }
            __m512 c0 = _mm512_loadu_ps(colmin + j0), c1 = _mm512_loadu_ps(colmin + j0 + 16);
            for (int r = 0; r < 8; r++) {
                rmin[r] = _mm512_min_ps(rmin[r], _mm512_min_ps(a0[r], a1[r]));
                c0 = _mm512_min_ps(c0, a0[r]);
                c1 = _mm512_min_ps(c1, a1[r]);
            }
            _mm512_storeu_ps(colmin + j0, c0);
            _mm512_storeu_ps(colmin + j0 + 16, c1);
        }
        for (int r = 0; r < 8; r++) {
            float v = _mm512_reduce_min_ps(rmin[r]);
            if (v < rowmin[i0 + r]) rowmin[i0 + r] = v;
        }
    }
    for (int i = 0; i < m; i++) {
        for (int j = (i < m8) ? n32 : 0; j < n; j++) {
            float s = 0.0f;
            for (int k = 0; k < K; k++) s += L[(size_t)i * ldl + k] * R[(size_t)k * ldr + j];
            if (s < rowmin[i]) rowmin[i] = s;
            if (s < colmin[j]) colmin[j] = s;
        }
    }
}
"""


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def has_avx512f() -> bool:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return " avx512f" in cpuinfo.read()
    except OSError:
        return False


def compile_kernel(directory: str):
    source = os.path.join(directory, "tile_minima.c")
    library = os.path.join(directory, "libtile_minima.so")
    with open(source, "w") as handle:
        handle.write(KERNEL)
    subprocess.run(["cc", "-O3", "-march=native", "-mavx512f", "-shared", "-fPIC", "-o", library, source], check=True)
    lib = ctypes.CDLL(library)  # ctypes releases the GIL during the call
    pointer = ctypes.POINTER(ctypes.c_float)
    lib.tile_minima.argtypes = [pointer, ctypes.c_int, pointer, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                ctypes.c_int, pointer, pointer]

    def tile_minima(left, right):
        m, n = left.shape[0], right.shape[1]
        rowmin, colmin = np.empty(m, np.float32), np.empty(n, np.float32)
        lib.tile_minima(left.ctypes.data_as(pointer), left.strides[0] // 4, right.ctypes.data_as(pointer),
                        right.strides[0] // 4, m, n, left.shape[1], rowmin.ctypes.data_as(pointer),
                        colmin.ctypes.data_as(pointer))
        return rowmin, colmin

    return tile_minima


def sides(X):
    """The engine's two float32 factors for a tile of rows (``datafix.neighbors``' own helpers)."""
    norms = np.einsum("ij,ij->i", X, X)
    return _fit_side(X, norms), _query_side(X, norms)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--tile", type=int, default=768)
    parser.add_argument("--repeats", type=int, default=3000)
    args = parser.parse_args()
    print(f"# {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC | {cpu_name()} | "
          f"one core | load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    if shutil.which("cc") is None or not has_avx512f():
        print("needs a C compiler (cc) and an AVX-512F CPU: not measured here")
        return
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2 * args.tile, args.features)) * rng.uniform(0.5, 3.0, args.features)
    left, _ = sides(X[: args.tile])
    _, right = sides(X[args.tile :])
    with tempfile.TemporaryDirectory() as directory:
        tile_minima = compile_kernel(directory)
        rowmin, colmin = tile_minima(left, right)
        scores = left @ right
        # the same sums in another order: equal up to float32 rounding, which the engine's error bound covers
        scale = np.abs(left).max() * np.abs(right).max() * left.shape[1] * np.finfo(np.float32).eps
        print(f"largest difference from BLAS + numpy: rows {np.abs(rowmin - scores.min(axis=1)).max():.2e}, "
              f"columns {np.abs(colmin - scores.min(axis=0)).max():.2e} (float32 rounding scale {scale:.2e})")
        timings = {}
        for name, run in (("fused C kernel", lambda: tile_minima(left, right)),
                          ("BLAS product + numpy minima", lambda: ((s := left @ right).min(axis=1), s.min(axis=0)))):
            run()
            started = time.perf_counter()
            for _ in range(args.repeats):
                run()
            timings[name] = (time.perf_counter() - started) / args.repeats
        for name, seconds in timings.items():
            print(f"{name:<30} {seconds * 1e3:.3f} ms per {args.tile} x {args.tile} tile pair "
                  f"(K = {left.shape[1]})")
        ratio = timings["BLAS product + numpy minima"] / timings["fused C kernel"]
        print(f"fused kernel {ratio:.1f}x faster per tile pair")


if __name__ == "__main__":
    main()
