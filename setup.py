"""The build of losscli's one compiled module, ``losscli._kernels`` (everything else: pyproject.toml).

The kernels give the per-sample values bit for bit as the numpy definitions only without FMA
contraction (``-ffp-contract=off``). ``optional=True``: without a C compiler the install still
succeeds and the engine runs every loss through numpy (slower, same results).
"""

import sys

from setuptools import Extension, setup

FLAGS = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off", "-fno-math-errno", "-Wno-psabi"]

setup(ext_modules=[Extension("losscli._kernels", ["losscli/_kernels.c"], depends=["losscli/_kernels_fold.h"], extra_compile_args=FLAGS, optional=True)])
