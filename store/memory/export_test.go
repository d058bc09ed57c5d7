package memory

// FoldRune is foldRune, for tests.
var FoldRune = foldRune
