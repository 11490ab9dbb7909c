"""Option analytics: Black-76 prices and Greeks, implied volatility, chain statistics, strike selection."""

from tt_connect.options.black76 import Greeks, black76_greeks, black76_price, implied_volatility

__all__ = ["Greeks", "black76_greeks", "black76_price", "implied_volatility"]
