package sqlstore

// Shadows and FoldKey compute the folded columns, for the benchmarks that
// fill the tables directly.
var (
	Shadows = shadows
	FoldKey = foldKey
)
