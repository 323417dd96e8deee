# make demo: set up .venv and run a real evaluation on sample_data/.
# make test: set up .venv if needed and run the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test bench clean fuzz compile

$(STAMP): pyproject.toml setup.py losscli/_kernels.c losscli/_kernels_fold.h
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# An editable install has no compiled modules of losscli (a wheel install compiles them); with
# PYTHONDONTWRITEBYTECODE set they would be compiled again at every start. The benchmarks compile them.
compile: $(STAMP)
	$(BIN)/python -m compileall -q losscli

demo: $(STAMP)
	$(BIN)/losscli eval sample_data/diabetes.csv -l @regression -l huber:delta=0.5 -f table
	$(BIN)/losscli eval sample_data/diabetes_pred.npy sample_data/diabetes_target.npy -l mse -l mae -b
	$(BIN)/losscli eval sample_data/diabetes_named.csv -p y_hat -y disease_progression --id-col patient_id -l mae -l rmse -f md
	$(BIN)/losscli eval sample_data/breast_cancer.csv -p prob -y label -l accuracy -l f1 -l roc_auc --fail-if 'accuracy>=0.95' --fail-if 'roc_auc>=0.98' -f table

test: $(STAMP)
	$(BIN)/python -m pytest

# make fuzz: the property-based fuzzing (tests/test_fuzz.py) with many more examples than in
# `make test` (the "long" hypothesis profile registered in tests/conftest.py).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest -p no:cacheprovider tests/test_fuzz.py

# make bench: the benchmarks of the performance targets (README.md, "Performance"); each
# generates its data in a temporary directory, runs losscli and its baseline in the same run and
# prints ratio= lines and peak RSS. The data sizes are the targets' (10M-row CSV, 100M-row NPY
# pair: minutes); `make bench SIZE=0.1` scales them down.
bench: compile
	SIZE=$(or $(SIZE),1) $(BIN)/python benchmarks/bench_startup.py
	SIZE=$(or $(SIZE),1) $(BIN)/python benchmarks/bench_kernels.py
	SIZE=$(or $(SIZE),1) $(BIN)/python benchmarks/bench_npy.py
	SIZE=$(or $(SIZE),1) $(BIN)/python benchmarks/bench_csv.py
	SIZE=$(or $(SIZE),1) $(BIN)/python benchmarks/bench_parquet.py
	SIZE=$(or $(SIZE),1) $(BIN)/python benchmarks/bench_metrics.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
