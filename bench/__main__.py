"""``make bench``: every benchmark, each printing ratios against a baseline measured in the same run."""

from bench import pipeline, pricing

pricing.main()
print()
pipeline.main()
