"""The jurisdiction's offline base map (离线底图): an MBTiles or PMTiles file of raster or
vector tiles an administrator uploads, served tile by tile to the phones, which keep the
tiles for offline use."""
