/* One vector width of losscli/_kernels.c's fold: included once per width with
 *   W       doubles per vector (8, 4 or 2),
 *   SFX     the suffix of the names defined here,
 *   TARGET  the function attribute for the instruction set (empty for the baseline).
 * Every width computes the same 8 lanes (lane j is element j % W of vector j / W) in the same
 * order, so every machine gets the same bits.
 */
#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define F(name) CAT(name, SFX)
#define VD F(vd)
#define VI F(vi)
#define NV (LANES / W) /* vectors per step */

typedef double VD __attribute__((vector_size(W * sizeof(double))));
typedef long long VI __attribute__((vector_size(W * sizeof(double))));

TARGET INLINE VD F(load)(const double *p) {
    VD v;
    memcpy(&v, p, sizeof v);
    return v;
}

TARGET INLINE VD F(vsel)(VI mask, VD a, VD b) { return (VD)(((VI)a & mask) | ((VI)b & ~mask)); }

/* One loss's values from d = pred - target: the operations of losscli/losses/regression.py. */
TARGET INLINE VD F(value)(int kind, VD d, double p) {
    VD z = (VD)((VI)d & 0x7fffffffffffffffLL); /* |d| */
    switch (kind) {
    case SQUARED: /* d * d */
        return d * d;
    case ABSOLUTE: /* |d| */
        return z;
    case HUBER: { /* q = minimum(|d|, delta); q * (|d| - q * 0.5) */
        VD q = F(vsel)(z < p, z, (VD){0} + p);
        return q * (z - q * 0.5);
    }
    default: /* smooth_l1: where(|d| < beta, |d| * 0.5 * |d| / beta, |d| - 0.5 * beta) */
        return F(vsel)(z < p, ((z * 0.5) * z) / p, z - 0.5 * p);
    }
}

/* The group's 8 lanes added in one fixed order. */
TARGET INLINE double F(lanes_sum)(const VD *v) {
    double x[LANES];
    memcpy(x, v, sizeof x);
    return ((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7]));
}

/* Each of the group's 8 lanes into a compensated sum, in lane order. */
TARGET INLINE void F(lanes_into)(const VD *v, double *sum, double *comp) {
    double x[LANES];
    memcpy(x, v, sizeof x);
    for (int j = 0; j < LANES; j++)
        neumaier(sum, comp, x[j]);
}

/* One step: the values of 8 rows, folded into the lanes (valid: which rows count). */
TARGET INLINE void F(step)(int kind, const double *x, const double *y, double *dst, double p, VD *s, VD *c, VD *q,
                           VD *lo, VD *hi, const long long *valid) {
    for (int u = 0; u < NV; u++) {
        VD v = F(value)(kind, F(load)(x + W * u) - F(load)(y + W * u), p);
        if (dst)
            memcpy(dst + W * u, &v, sizeof v);
        if (valid) {
            VI ok;
            memcpy(&ok, valid + W * u, sizeof ok);
            v = F(vsel)(ok, v, (VD){0});
            *lo = F(vsel)(ok & (VI)(v < *lo), v, *lo);
            *hi = F(vsel)(ok & (VI)(v > *hi), v, *hi);
        } else {
            *lo = F(vsel)(v < *lo, v, *lo);
            *hi = F(vsel)(v > *hi, v, *hi);
        }
        VD t = s[u] + v; /* Σl in each lane with Knuth's TwoSum: the rounding error of every addition
                            goes to c, so the sum of the values is all but exact (the headline) */
        VD vb = t - s[u];
        c[u] += (s[u] - (t - vb)) + (v - vb);
        s[u] = t;
        q[u] += v * v;
    }
}

/* Values of rows [0, n) into dst (when not NULL) and their totals into t. */
TARGET INLINE void F(fold_impl)(int kind, const double *a, const double *b, double *dst, Py_ssize_t n, double p,
                                Totals *t) {
    for (Py_ssize_t i = 0; i < n; i += GROUP) {
        Py_ssize_t end = n - i < GROUP ? n : i + GROUP;
        VD s[NV], c[NV], q[NV], lo = (VD){0} + INFINITY, hi = (VD){0} - INFINITY;
        for (int u = 0; u < NV; u++)
            s[u] = c[u] = q[u] = (VD){0};
        Py_ssize_t k = i;
        /* Touch the inputs one page ahead: without it the hardware prefetcher stalls at each 4 KB
         * page (2 to 4x slower on large arrays for the 2- and 4-wide loops). */
        __builtin_prefetch(a + i + 2 * GROUP, 0, 0);
        __builtin_prefetch(b + i + 2 * GROUP, 0, 0);
        for (; k + LANES <= end; k += LANES)
            F(step)(kind, a + k, b + k, dst ? dst + k : NULL, p, s, c, q, &lo, &hi, NULL);
        if (k < end) { /* the last rows, padded with copies of the last one that do not count */
            double x[LANES], y[LANES], z[LANES];
            long long valid[LANES];
            for (int j = 0; j < LANES; j++) {
                Py_ssize_t r = k + j < end ? k + j : end - 1;
                x[j] = a[r];
                y[j] = b[r];
                valid[j] = k + j < end ? -1 : 0;
            }
            F(step)(kind, x, y, z, p, s, c, q, &lo, &hi, valid);
            if (dst)
                memcpy(dst + k, z, (size_t)(end - k) * sizeof(double));
        }
        F(lanes_into)(s, &t->sum, &t->sum_c);
        F(lanes_into)(c, &t->sum, &t->sum_c);
        neumaier(&t->sq, &t->sq_c, F(lanes_sum)(q));
        for (int j = 0; j < W; j++) {
            t->min = lo[j] < t->min ? lo[j] : t->min;
            t->max = hi[j] > t->max ? hi[j] : t->max;
        }
    }
}

/* The entry point of this width: the loop specialised for each loss. */
TARGET static void F(fold)(int kind, const double *a, const double *b, double *dst, Py_ssize_t n, double p, Totals *t) {
    switch (kind) {
    case SQUARED:
        F(fold_impl)(SQUARED, a, b, dst, n, p, t);
        break;
    case ABSOLUTE:
        F(fold_impl)(ABSOLUTE, a, b, dst, n, p, t);
        break;
    case HUBER:
        F(fold_impl)(HUBER, a, b, dst, n, p, t);
        break;
    default:
        F(fold_impl)(SMOOTH_L1, a, b, dst, n, p, t);
    }
}

#undef NV
#undef VI
#undef VD
#undef F
#undef CAT
#undef CAT_
