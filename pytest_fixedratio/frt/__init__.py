"""Pure FRT client: addresses, PDAs, instruction encoders, state decoders, math, errors. No I/O."""
