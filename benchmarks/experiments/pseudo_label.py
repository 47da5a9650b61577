"""Self-training experiment, stage 1 (benchmarks/results/act_nlu_exploration.md, run 6): an act model
labels the user turns of the MultiWOZ 2.2 train text; the turns it is sure of are pickled.

Usage: python benchmarks/experiments/pseudo_label.py TEACHER_DIR MIN_CONFIDENCE OUT.pkl
"""

import pickle
import sys
import time

import torch

from tod.data.corpus import load_corpus
from tod.nlu.acts import ActNLU
from tod.nlu.pseudo import pseudo_examples

teacher_dir, min_confidence, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
torch.set_num_threads(2)
started = time.time()
teacher = ActNLU.load(teacher_dir)
text = load_corpus("multiwoz22-text", "../shared/data/multiwoz/mwz22_text_vonCount", splits=["train"])["train"]
extra, read = pseudo_examples(teacher, text, min_confidence=min_confidence)
print(f"{len(extra)} pseudo-labelled of {read} user turns in {time.time() - started:.0f} s")
with open(out, "wb") as handle:
    pickle.dump(extra, handle)
