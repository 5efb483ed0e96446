/* For allocator experiments only (bench/NOTES.md, "MedMNIST-shaped rows"): an LD_PRELOAD shim that
 * makes mallopt() a no-op, so that a latent process keeps the malloc settings of its environment
 * (GLIBC_TUNABLES=glibc.malloc.mmap_threshold=...:glibc.malloc.trim_threshold=..., or glibc's
 * defaults) instead of those keep_freed_memory() sets at start-up. Not built by CMake:
 *   cc -shared -fPIC -O2 -o /tmp/nomallopt.so bench/nomallopt.c
 *   LD_PRELOAD=/tmp/nomallopt.so GLIBC_TUNABLES=... build/bin/latent run ...
 */
int mallopt(int param, int value) {
  (void)param;
  (void)value;
  return 1;
}
