# eval-reps.awk - the accuracy table of `make eval-reps DATA=DIR`, from
# bench-reps' `name value unit` lines: one row per dataset and sensor
# position, then the machine-readable overall line.
$1 ~ /^reps_/ && $1 !~ /^reps_(synthetic|latency|cpu|samples|skipped)/ {
	name = substr($1, 6)
	n = split(name, part, "_")
	metric = part[n]
	group = substr(name, 1, length(name) - length(metric) - 1)
	if (!(group in seen)) {
		seen[group] = 1
		order[++groups] = group
	}
	v[group, metric] = $2
}
END {
	if (!groups) {
		print "eval-reps: no results (is DATA a folder with sets.csv?)"
		exit 1
	}
	printf "%-18s %5s %8s %10s %6s %6s\n", "GROUP", "SETS", "EXACT %",
	       "WITHIN1 %", "MAE", "BIAS"
	for (i = 1; i <= groups; i++) {
		g = order[i]
		if (g == "all")
			continue
		printf "%-18s %5s %8s %10s %6s %6s\n", g, v[g, "sets"],
		       v[g, "exact"], v[g, "within1"], v[g, "mae"], v[g, "bias"]
	}
	printf "overall sets=%s exact=%s within1=%s mae=%s bias=%s\n",
	       v["all", "sets"], v["all", "exact"], v["all", "within1"],
	       v["all", "mae"], v["all", "bias"]
}
