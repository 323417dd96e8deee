# make demo: set up .venv and run a real evaluation on sample_data/.
# make test: set up .venv if needed and run the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/losscli eval sample_data/diabetes.csv -l @regression -l huber:delta=0.5 -f table
	$(BIN)/losscli eval sample_data/diabetes_pred.npy sample_data/diabetes_target.npy -l mse -l mae -b
	$(BIN)/losscli eval sample_data/diabetes_named.csv -p y_hat -y disease_progression --id-col patient_id -l mae -l rmse -f md

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
