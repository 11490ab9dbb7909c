"""The conformance suite's tiers, cheapest first: static, behaviour, faults, cross-broker."""
