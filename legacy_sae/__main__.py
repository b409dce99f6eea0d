"""`python -m legacy_sae ...` is the `legacy-sae` command."""
import sys

from legacy_sae.cli import main

sys.exit(main())
