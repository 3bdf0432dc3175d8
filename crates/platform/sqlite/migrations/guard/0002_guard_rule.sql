-- Each tally names the rule it counts under (tinhso_kernel::guard::Rule::name), so that the
-- watch can say what is being tried (wrong passwords from many addresses, a flood of
-- lookups...) while the key itself stays a hash of whom. Tallies from before are unnamed.
ALTER TABLE guard_tally ADD COLUMN rule TEXT NOT NULL DEFAULT '';
