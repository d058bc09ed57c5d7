//go:build !race

package sqlstore_test

// raceEnabled says the tests run under the race detector, which makes them
// several times slower: the long randomized tests run a smaller sample.
const raceEnabled = false
