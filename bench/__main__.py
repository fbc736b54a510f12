"""``make bench``: every benchmark, each printing ratios against a baseline measured in the same run."""

from bench import pipeline, pricing, user_cleanup

pricing.main()
print()
pipeline.main()
print()
user_cleanup.main()
