"""Conformance of the FRT program to frt-contract.md, driven through frt/ and the LiteSVM target."""
