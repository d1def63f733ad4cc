"""Cloud provider adapters: SDK calls and normalization, one package per cloud."""
