"""Tests of the SBF linker and the build command of the bundled reference program."""
