"""``python -m cli``: the policywatch command line."""

from cli import main

main()
