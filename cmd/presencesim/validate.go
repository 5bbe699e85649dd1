package main

import (
	"fmt"
	"io"

	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/scenario"
)

// validate loads each file (strict decoding and validation) and prints
// what it describes: users, speed, subscriptions and the offered load.
func validate(files []string, stdout, stderr io.Writer) int {
	if len(files) == 0 {
		fmt.Fprint(stderr, "presencesim validate: no scenario file given\n"+usage)
		return exitUsage
	}
	code := exitOK
	for _, file := range files {
		s, err := scenario.Load(file)
		if err != nil {
			fmt.Fprintln(stderr, err)
			code = exitUsage
			continue
		}
		p, err := model.NewPopulation(s)
		if err != nil {
			fmt.Fprintln(stderr, err)
			code = exitUsage
			continue
		}
		g := model.NewGraph(p)
		summary := g.Summary(g.Build())
		fmt.Fprintf(stdout, "%s: ok: %q, %d users, %s of virtual day in %s (%.0fx), %d subscriptions (fan-out mean %.1f, max %d), %d SLO thresholds\n",
			file, s.Name, p.Size(), s.Day.Length.Std(), s.Day.WallTime.Std(), s.Day.Speed(),
			summary.Subscriptions, summary.MeanWatchers, summary.MaxWatchers, len(s.SLO))
		fmt.Fprintf(stdout, "  offered load: %s\n", model.Offered(p))
	}
	return code
}
