"""The write side: Scrapy spiders per CMS family, politeness middlewares and the archive pipeline."""
