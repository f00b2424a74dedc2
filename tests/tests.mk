# The proofs beside the unit tests (issue 15), for the top-level Makefile to
# include. Everything they build goes under build/.
#
#   make fuzz [FUZZ_S=60]     every libFuzzer harness in tests/fuzz/ for FUZZ_S seconds each
#   make test-fuzz            each harness for a few seconds (for make test)
#   make soak [N=50] [LOAD=2] every program's QEMU tests N times (beside LOAD busy
#                             processes); each flake with its serial log
#   make test-mutants         plant each bug of tests/mutants.txt in a copy; its tests must fail
#   make test-tsan            the thread stress programs of tests/tsan/ under ThreadSanitizer
#   make test-points          per protocol: interrupt points walked, landed, wakeups lost

PYTHON ?= python3
FUZZ_S ?= 60
FUZZ_TEST_S ?= 3
N ?= 50
LOAD ?= 0

.PHONY: fuzz test-fuzz soak test-mutants test-tsan test-points

fuzz:
	@$(ROOT)/tools/deps.sh fuzz
	@$(PYTHON) $(ROOT)/tools/harness.py fuzz --seconds $(FUZZ_S)

test-fuzz:
	@$(ROOT)/tools/deps.sh fuzz
	@echo "== fuzzing, $(FUZZ_TEST_S) s per harness"
	@$(PYTHON) $(ROOT)/tools/harness.py fuzz --seconds $(FUZZ_TEST_S)

soak:
	@$(ROOT)/tools/deps.sh run
	@$(PYTHON) $(ROOT)/tools/soak.py --runs $(N) --load $(LOAD)

# MUTANTS=name,name runs only those.
test-mutants:
	@$(ROOT)/tools/deps.sh test fuzz tsan
	@echo "== planted bugs"
	@$(PYTHON) $(ROOT)/tools/mutants.py $(if $(MUTANTS),--only $(MUTANTS))

test-tsan:
	@$(ROOT)/tools/deps.sh tsan
	@echo "== thread stress under ThreadSanitizer"
	@$(PYTHON) $(ROOT)/tools/harness.py tsan

test-points:
	@$(ROOT)/tools/deps.sh test
	@echo "== interrupt points per protocol"
	@$(PYTHON) $(ROOT)/tools/points.py
