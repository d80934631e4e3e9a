"""shouwang.synth: a synthetic Tanghe county for the demo, the tests and the benchmarks.

It builds a true world of families, hukou households and persons, renders the 40 department
feeds from it with the identity noise real deliveries carry, and writes the truth (who every
record is about, which risk events were planted) to a separate folder.
"""

from .generator import GenerationSummary, default_truth_dir, delivery_path, generate_county

__all__ = ["GenerationSummary", "default_truth_dir", "delivery_path", "generate_county"]
