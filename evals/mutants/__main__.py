"""`python -m evals.mutants`: run the mutation suite, exit 1 if any mutant escaped."""

import sys

from evals.mutants import main

sys.exit(main())
