#!/usr/bin/env python3
"""Same-run baseline for the triage service classifier (bench/triage.bench.ts).

scikit-learn (Debian package python3-sklearn): a FeatureUnion of TF-IDF on words (1-2-grams,
sublinear tf, min_df 2) and on characters (char_wb, 2-5, min_df 3, sublinear tf), LinearSVC C=0.5,
trained on london-train.csv with mixed=1 rows left out. It predicts the taxonomy *category*; the
area is derived from the predicted category (each category belongs to exactly one area in
service-areas.csv), so area accuracy counts a category mistake inside the right area as right.

Scored on london-dev.csv with mixed=1 rows left out. Macro-F1 is scikit-learn's default: the mean
over every label seen in the truth or the predictions. Prints one JSON object on stdout.

Usage: python3 scripts/triage-baseline.py [DATA_DIR]   (default ../shared/data)
"""
import csv
import json
import os
import sys
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC


def load(path):
    texts, labels = [], []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["mixed"] == "1":
                continue
            texts.append(row["title"] + "\n" + row["detail"])
            labels.append(row["area"] + "/" + row["category"])
    return texts, labels


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "data")
    fms = os.path.join(data, "fixmystreet")
    train_x, train_y = load(os.path.join(fms, "london-train.csv"))
    dev_x, dev_y = load(os.path.join(fms, "london-dev.csv"))

    started = time.time()
    features = FeatureUnion(
        [
            ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True)),
        ]
    )
    x = features.fit_transform(train_x)
    model = LinearSVC(C=0.5)
    model.fit(x, train_y)
    train_seconds = time.time() - started

    pred = list(model.predict(features.transform(dev_x)))
    area = lambda labels: [label.split("/")[0] for label in labels]
    result = {
        "train_rows": len(train_x),
        "dev_rows": len(dev_x),
        "train_seconds": round(train_seconds, 1),
        "area_accuracy": accuracy_score(area(dev_y), area(pred)),
        "area_macro_f1": f1_score(area(dev_y), area(pred), average="macro", zero_division=0),
        "category_accuracy": accuracy_score(dev_y, pred),
        "category_macro_f1": f1_score(dev_y, pred, average="macro", zero_division=0),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
