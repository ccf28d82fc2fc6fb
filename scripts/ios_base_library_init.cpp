// Preloaded by scripts/torchsharp_peer.sh so TorchSharp's glue library (libLibTorchSharp.so, built with GCC 13) runs on
// Debian 12's libstdc++ (GCC 12). GCC 13's <iostream> makes every translation unit that includes it call
// std::ios_base_library_init(), a libstdc++ 13 function (version GLIBCXX_3.4.32) whose only job is to make sure the
// library's standard streams are constructed. GCC 12's libstdc++ has no such function: it constructs the streams
// itself through std::ios_base::Init objects, so an empty definition is enough. The script marks the glue library's
// need for GLIBCXX_3.4.32 weak (scripts/elf_weak_version.py), so the loader accepts this unversioned definition.
namespace std
{
void ios_base_library_init();

void ios_base_library_init()
{
}
}
