"""Pure FRT client: PDAs, instruction encoders, state decoders, math, errors. No I/O."""
