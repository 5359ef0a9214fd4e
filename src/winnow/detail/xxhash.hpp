// The one place winnow includes xxhash.h.
#ifndef WINNOW_DETAIL_XXHASH_HPP_
#define WINNOW_DETAIL_XXHASH_HPP_

#include <xxhash.h>

#endif  // WINNOW_DETAIL_XXHASH_HPP_
