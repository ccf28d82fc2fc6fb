#!/usr/bin/python3
"""The matrices of Winograd's minimal filtering F(2, 5) that Runtime/Kernels/Conv2dWinograd.cs uses, derived and checked.

    python3 scripts/winograd_f2_5.py

Points 0, 1, -1, 2, -2 and infinity (Toom-Cook): A^T's rows are the points' powers 0 and 1 (infinity's column the last
unit vector), G's rows the points' powers 0..4 over the product of their differences to the other points (infinity's
row the last unit vector), and B^T is solved from the identity itself: for every kernel g (5 taps) and input d (6
values), A^T [(G g) * (B^T d)] must equal the correlation y_i = sum_k g_k d_(i+k), i = 0, 1. Exact rational arithmetic
(fractions); prints the three matrices and checks the two-dimensional identity Y = A^T [(G g G^T) * (B^T d B)] A on
random integer patches. Exits non-zero if a check fails.
"""
import random
import sys
from fractions import Fraction

POINTS = [Fraction(0), Fraction(1), Fraction(-1), Fraction(2), Fraction(-2)]
M, R = 2, 5
ALPHA = M + R - 1


def transpose(a):
    return [list(row) for row in zip(*a)]


def matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def a_transposed():
    return [[p ** i for p in POINTS] + [Fraction(1 if i == M - 1 else 0)] for i in range(M)]


def g_matrix():
    rows = []
    for j, p in enumerate(POINTS):
        denominator = Fraction(1)
        for l, q in enumerate(POINTS):
            if l != j:
                denominator *= p - q
        rows.append([p ** k / denominator for k in range(R)])
    rows.append([Fraction(0)] * (R - 1) + [Fraction(1)])
    return rows


def solve(equations, unknowns):
    """Gauss-Jordan elimination over the rationals; equations are rows [coefficients..., right-hand side]."""
    rows = [list(e) for e in equations]
    pivots, r = [], 0
    for col in range(unknowns):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        rows[r] = [v / rows[r][col] for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                factor = rows[i][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r])]
        pivots.append(col)
        r += 1
    if any(all(v == 0 for v in row[:-1]) and row[-1] != 0 for row in rows):
        sys.exit("no B^T satisfies the identity")
    solution = [Fraction(0)] * unknowns
    for i, col in enumerate(pivots):
        solution[col] = rows[i][-1]
    return solution


def b_transposed(at, g):
    # Unknown B[j][l] at index j * ALPHA + l; one equation per (output i, tap k, input l).
    equations = []
    for i in range(M):
        for k in range(R):
            for l in range(ALPHA):
                row = [Fraction(0)] * (ALPHA * ALPHA)
                for j in range(ALPHA):
                    row[j * ALPHA + l] = at[i][j] * g[j][k]
                equations.append(row + [Fraction(1 if l == i + k else 0)])
    b = solve(equations, ALPHA * ALPHA)
    return [[b[j * ALPHA + l] for l in range(ALPHA)] for j in range(ALPHA)]


def main():
    at, g = a_transposed(), g_matrix()
    bt = b_transposed(at, g)
    for name, matrix in (("A^T", at), ("G", g), ("B^T", bt)):
        print(name)
        for row in matrix:
            print("  [" + " ".join(str(v) for v in row) + "]")

    rng = random.Random(5)
    for _ in range(20):
        kernel = [[Fraction(rng.randint(-9, 9)) for _ in range(R)] for _ in range(R)]
        patch = [[Fraction(rng.randint(-9, 9)) for _ in range(ALPHA)] for _ in range(ALPHA)]
        u = matmul(matmul(g, kernel), transpose(g))
        v = matmul(matmul(bt, patch), transpose(bt))
        product = [[u[i][j] * v[i][j] for j in range(ALPHA)] for i in range(ALPHA)]
        y = matmul(matmul(at, product), transpose(at))
        direct = [[sum(kernel[ky][kx] * patch[a + ky][b + kx] for ky in range(R) for kx in range(R)) for b in range(M)] for a in range(M)]
        if y != direct:
            sys.exit(f"identity fails: {y} != {direct}")
    print("Y = A^T [(G g G^T) * (B^T d B)] A equals the 2 x 2 correlation on 20 random integer patches")


if __name__ == "__main__":
    main()
