"""The base map's refusals, named once: code → (status, Chinese, English). Every refusal of
an uploaded file names the field `file`; a bad upload leaves the loaded map as it was."""
from __future__ import annotations

from typing import Any

from ..errors import ApiError

__all__ = ["PROBLEMS", "problem"]

PROBLEMS: dict[str, tuple[int, str, str]] = {
    "basemap.empty": (422, "底图文件中没有瓦片（或没有收到文件）", "The file holds no tiles (or no file was sent)"),
    "basemap.too_large": (413, "底图文件超过 {max_mb} MB", "The file is larger than {max_mb} MB"),
    "basemap.unknown_file": (422, "文件既不是 MBTiles 也不是 PMTiles 底图", "Neither an MBTiles nor a PMTiles file"),
    "basemap.not_mbtiles": (422, "文件不是 MBTiles 底图（需含 metadata 与 tiles 表的 SQLite 文件）",
                            "Not an MBTiles file (an SQLite file with metadata and tiles tables)"),
    "basemap.not_pmtiles": (422, "PMTiles 文件已损坏或不完整（目录、元数据或瓦片数据超出文件）",
                            "The PMTiles file is damaged or truncated (directory, metadata or tile data outside the file)"),
    "basemap.pmtiles_version": (422, "只支持 PMTiles 第 3 版，请用 pmtiles convert 升级后再上传",
                                "Only PMTiles version 3 is read: upgrade the file with `pmtiles convert`"),
    "basemap.bad_format": (422, "不支持的瓦片格式：{found}（可用：png、jpg、webp 栅格瓦片，或 MVT/pbf 矢量瓦片）",
                           "Unsupported tile format: {found} (png, jpg, webp raster tiles or MVT/pbf vector tiles)"),
    "basemap.bad_compression": (422, "不支持的瓦片压缩方式：{found}（矢量瓦片请用 gzip 或不压缩）",
                                "Unsupported tile compression: {found} (vector tiles: gzip or none)"),
    "basemap.tile_mismatch": (422, "瓦片内容与声明的格式不符", "The tiles are not of the format the file declares"),
    "basemap.bad_zoom": (422, "缩放级别无效（须在 0–24 之间，最小不大于最大）", "Bad zoom range (0–24, minimum not above maximum)"),
    "basemap.bad_bounds": (422, "底图范围无效（经度 −180…180、纬度 −85.06…85.06，西小于东、南小于北）",
                           "Bad bounds (longitude −180…180, latitude −85.06…85.06, west below east, south below north)"),
}


def problem(code: str, **details: Any) -> ApiError:
    """The refusal `code` about the uploaded file; its details fill the message's blanks."""
    status, zh, en = PROBLEMS[code]
    return ApiError(code, zh.format(**details), en.format(**details), status=status, details={"field": "file", **details})
