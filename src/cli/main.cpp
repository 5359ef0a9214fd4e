#include <cstdlib>  // defines __GLIBC__ on glibc

#include "cli/cli.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // Buffers of 1 MiB and more (a large record, its lines, its features) are
  // mapped on their own and given back to the system when freed. glibc's
  // default raises this threshold to the size of the largest buffer freed,
  // so that after one 20 MB record the next ones are carved from the heap,
  // which fragments and keeps growing: four 20 MB JSONL records peaked at
  // 237 MB instead of 183 MB. Ordinary web documents stay well below 1 MiB.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
  return winnow::cli::Main(argc, argv);
}
