"""The ledger import benchmark (``make bench``): a generated 100,000-resident ledger imported
into a scratch PostgreSQL database through the real import path, beside two baselines
measured in the same run on the same file. Not a test: timings never go in the suite."""
