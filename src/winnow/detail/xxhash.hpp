// The one place winnow includes xxhash.h.
//
// XXH_INLINE_ALL compiles xxHash into each caller: hashing a word or a
// shingle (8 to 40 bytes) is then a few inlined instructions instead of a
// call into the shared library, which dominated the cost of short inputs.
#ifndef WINNOW_DETAIL_XXHASH_HPP_
#define WINNOW_DETAIL_XXHASH_HPP_

#define XXH_INLINE_ALL
#include <xxhash.h>

#endif  // WINNOW_DETAIL_XXHASH_HPP_
