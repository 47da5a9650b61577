"""Self-training experiment, stage 2: a student trained on the 80% part of MultiWOZ val (seed 13) plus
the pseudo-labelled turns and GOLD_COPIES extra copies of the gold turns, within the default budget
of 36,000 examples; the epoch and label threshold chosen on the 20% dev part.

Usage: python benchmarks/experiments/pseudo_student.py PSEUDO.pkl GOLD_COPIES OUT_DIR
"""

import pickle
import sys
import time

from tod.data.corpus import load_corpus
from tod.data.split import train_dev_parts
from tod.nlu.act_data import act_examples
from tod.nlu.act_training import train_act_nlu
from tod.nlu.config import JointNLUConfig, TrainConfig

pseudo_file, gold_copies, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(pseudo_file, "rb") as handle:
    extra = pickle.load(handle)
val = load_corpus("multiwoz", "../shared/data/multiwoz/val.json.zip", splits=["val"])["val"]
train, dev = train_dev_parts(val, 0.2, 13)
extra = extra + act_examples(train, context_turns=2) * gold_copies
config = TrainConfig(
    encoder="minilm", epochs=6, members=1, threads=1, max_examples=36000,
    model=JointNLUConfig(context_turns=2, multi_label=True),
)  # fmt: skip
started = time.time()
nlu, _ = train_act_nlu(train, dev, config, corpus="multiwoz", progress=False, extra_examples=extra)
nlu.save(out)
metrics = nlu.meta["dev_metrics"]
print(f"trained in {(time.time() - started) / 60:.1f} min; dev act F1 {100 * metrics['act_f1']:.2f}, "
      f"utterance acc {100 * metrics['utterance_accuracy']:.2f} (threshold {nlu.threshold})")
