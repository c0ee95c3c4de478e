"""Use cases: plain values in, dataclasses out, one unit of work each."""
