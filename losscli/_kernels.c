/* losscli._kernels: one pass over a block of (pred, target) rows for the elementwise losses.
 *
 * fold(kind, param, pred, target, out) evaluates one loss on contiguous float64 buffers and
 * returns (sum, its rounding error, sum of squares, min, max) of its per-sample values, writing
 * the values into `out` when it is not None. The GIL is released: the engine's two threads run
 * blocks side by side. The loop (losscli/_kernels_fold.h) is compiled for 2, 4 and 8 doubles per
 * vector and the widest the CPU has is used (WIDTH); all give the same bits.
 *
 * Each value is the same IEEE operations, in the same order, as the loss's numpy definition in
 * losscli/losses/regression.py (the build turns off FMA contraction: -ffp-contract=off), so the
 * per-sample values are bit for bit those of the definition; tests/test_kernels.py checks it.
 * Sums over groups of 256 values in 8 lanes: the sum of the values with TwoSum in each lane (the
 * rounding errors kept), each lane and its error then added to Neumaier-compensated running sums,
 * so the headline's sum is all but exact (tests/test_kernels.py: within 1 ulp of math.fsum;
 * its rounding error is returned for the caller's compensated merge). The sum of squares (for
 * M2 only): plain lanes, each group's total compensated. A NaN or inf value makes the sums NaN
 * or inf (every value here is >= 0, so no inf - inf): the caller checks them.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

enum { SQUARED = 0, ABSOLUTE = 1, HUBER = 2, SMOOTH_L1 = 3 };

#define LANES 8   /* partial sums per group: 8 lanes, whatever the vector width */
#define GROUP 256 /* values summed in lanes before the group's total joins the compensated sums */

/* Inlined into each width's fold: the vector helpers never cross a call (no vector ABI). */
#define INLINE static inline __attribute__((always_inline))

typedef struct {
    double sum, sum_c, sq, sq_c, min, max;
} Totals;

typedef void (*FoldFn)(int, const double *, const double *, double *, Py_ssize_t, double, Totals *);

static inline void neumaier(double *s, double *c, double x) {
    double t = *s + x;
    *c += fabs(*s) >= fabs(x) ? (*s - t) + x : (x - t) + *s;
    *s = t;
}

/* The widest vectors the CPU has: 8 doubles (AVX-512), 4 (AVX2), else 2 (SSE2 on x86-64, NEON
 * on arm64). Vectors wider than the hardware's would be split up element by element. */
#define W 2
#define SFX base
#define TARGET
#include "_kernels_fold.h"
#undef W
#undef SFX
#undef TARGET

#if defined(__GNUC__) && defined(__x86_64__)
#define W 4
#define SFX avx2
#define TARGET __attribute__((target("avx2")))
#include "_kernels_fold.h"
#undef W
#undef SFX
#undef TARGET

#define W 8
#define SFX avx512
#define TARGET __attribute__((target("avx512f")))
#include "_kernels_fold.h"
#undef W
#undef SFX
#undef TARGET
#endif

/* The fold of `width` doubles per vector (0: the widest this CPU has), or NULL. */
static FoldFn pick_fold(int width) {
#if defined(__GNUC__) && defined(__x86_64__)
    if ((width == 0 || width == 8) && __builtin_cpu_supports("avx512f"))
        return fold_avx512;
    if ((width == 0 || width == 4) && __builtin_cpu_supports("avx2"))
        return fold_avx2;
#endif
    return width == 0 || width == 2 ? fold_base : NULL;
}

static int widest(void) {
    FoldFn f = pick_fold(0);
#if defined(__GNUC__) && defined(__x86_64__)
    if (f == fold_avx512)
        return 8;
    if (f == fold_avx2)
        return 4;
#endif
    return f == fold_base ? 2 : 0;
}

static int get_buffer(PyObject *obj, Py_buffer *view, int writable, const char *name) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (view->itemsize != sizeof(double) || view->format == NULL || strcmp(view->format, "d") != 0) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "%s must be a contiguous float64 buffer", name);
        return -1;
    }
    return 0;
}

static PyObject *fold(PyObject *Py_UNUSED(self), PyObject *args) {
    int kind, width = 0;
    double p;
    PyObject *pred_obj, *target_obj, *out_obj;
    if (!PyArg_ParseTuple(args, "idOOO|i", &kind, &p, &pred_obj, &target_obj, &out_obj, &width))
        return NULL;
    if (kind < SQUARED || kind > SMOOTH_L1) {
        PyErr_Format(PyExc_ValueError, "unknown kernel %d", kind);
        return NULL;
    }
    FoldFn fold_fn = pick_fold(width);
    if (fold_fn == NULL) {
        PyErr_Format(PyExc_ValueError, "no %d-wide vectors on this CPU", width);
        return NULL;
    }
    Py_buffer a, b, o;
    int has_out = out_obj != Py_None;
    if (get_buffer(pred_obj, &a, 0, "pred") < 0)
        return NULL;
    if (get_buffer(target_obj, &b, 0, "target") < 0) {
        PyBuffer_Release(&a);
        return NULL;
    }
    if (has_out && get_buffer(out_obj, &o, 1, "out") < 0) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        return NULL;
    }
    Py_ssize_t n = a.len / (Py_ssize_t)sizeof(double);
    if (b.len != a.len || (has_out && o.len != a.len)) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        if (has_out)
            PyBuffer_Release(&o);
        PyErr_SetString(PyExc_ValueError, "pred, target and out must have the same length");
        return NULL;
    }
    Totals t = {0.0, 0.0, 0.0, 0.0, INFINITY, -INFINITY};
    Py_BEGIN_ALLOW_THREADS
    fold_fn(kind, (const double *)a.buf, (const double *)b.buf, has_out ? (double *)o.buf : NULL, n, p, &t);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    if (has_out)
        PyBuffer_Release(&o);
    double sum = t.sum + t.sum_c; /* the sum as a value and its rounding error (Fast2Sum: |sum| >= |sum - t.sum|) */
    return Py_BuildValue("(ddddd)", sum, (t.sum - sum) + t.sum_c, t.sq + t.sq_c, t.min, t.max);
}

static PyMethodDef methods[] = {
    {"fold", fold, METH_VARARGS,
     "fold(kind, param, pred, target, out, width=0) -> (sum, its error, sum of squares, min, max) of one loss's values\n"
     "(width: doubles per vector, 0 for the widest this CPU has; every width gives the same bits)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "losscli._kernels", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__kernels(void) {
#if defined(__GNUC__) && defined(__x86_64__)
    __builtin_cpu_init(); /* once, before any thread calls fold (it is also run by a constructor) */
#endif
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "SQUARED", SQUARED) < 0 || PyModule_AddIntConstant(m, "ABSOLUTE", ABSOLUTE) < 0 ||
        PyModule_AddIntConstant(m, "HUBER", HUBER) < 0 || PyModule_AddIntConstant(m, "SMOOTH_L1", SMOOTH_L1) < 0 ||
        PyModule_AddIntConstant(m, "WIDTH", widest()) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
