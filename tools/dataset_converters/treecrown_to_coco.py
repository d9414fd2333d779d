"""Real tree-crown detection data from the ``deepforest`` wheel, as COCO-format tiles.

    python tools/dataset_converters/treecrown_to_coco.py OUT_DIR [--wheel WHEEL]
                                                      [--tile 400] [--val-every 4]

The deepforest 2.1.0 wheel (MIT) ships aerial RGB images with Pascal VOC boxes of tree
crowns in ``deepforest/data/``. Only that folder is read, straight from the wheel (no
install); without ``--wheel`` the wheel is fetched with ``pip download --no-deps``.
Large images are cut into ``--tile``-px tiles; a box is kept in a tile when at least
half of it lies inside (clipped to the tile); every label ("Tree", "Alive", "Dead")
becomes the one class ``Tree``. Hold-out split: every ``--val-every``-th tile of the
large images, plus the whole OSBS_029 and SOAP_061 images, go to ``val``.

Writes OUT_DIR/images/*.png, OUT_DIR/annotations/{train,val}.json and prints counts.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

import cv2
import numpy as np

VERSION = '2.1.0'
HELD_OUT_IMAGES = ('OSBS_029', 'SOAP_061')


def fetch_wheel(dest: str) -> str:
    subprocess.run([sys.executable, '-m', 'pip', 'download', '--no-deps', '-q',
                    f'deepforest=={VERSION}', '-d', dest], check=True)
    found = glob.glob(osp.join(dest, f'deepforest-{VERSION}-*.whl'))
    if not found:
        raise FileNotFoundError(f'pip download left no deepforest wheel in {dest}')
    return found[0]


def read_pairs(wheel: str):
    """Yield (stem, RGB image, boxes [[x1, y1, x2, y2], ...]) for each annotated image."""
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for xml_name in sorted(n for n in names
                               if n.startswith('deepforest/data/') and n.endswith('.xml')):
            stem = osp.splitext(osp.basename(xml_name))[0]
            png = f'deepforest/data/{stem}.png'
            if png not in names:
                continue
            img = cv2.imdecode(np.frombuffer(z.read(png), np.uint8), cv2.IMREAD_COLOR)
            root = ET.fromstring(z.read(xml_name))
            boxes = []
            for obj in root.iter('object'):
                bb = obj.find('bndbox')
                boxes.append([float(bb.find(k).text) for k in ('xmin', 'ymin', 'xmax', 'ymax')])
            yield stem, img, np.array(boxes, np.float32).reshape(-1, 4)


def tile_starts(length: int, tile: int):
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile + 1, tile))
    if starts[-1] + tile < length:
        starts.append(length - tile)
    return starts


def tiles(img, boxes, tile):
    h, w = img.shape[:2]
    for y0 in tile_starts(h, tile):
        for x0 in tile_starts(w, tile):
            crop = img[y0:y0 + tile, x0:x0 + tile]
            th, tw = crop.shape[:2]
            clipped = boxes - np.array([x0, y0, x0, y0], np.float32)
            clipped[:, [0, 2]] = clipped[:, [0, 2]].clip(0, tw)
            clipped[:, [1, 3]] = clipped[:, [1, 3]].clip(0, th)
            area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
            inside = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
            keep = (inside >= 0.5 * area) & (clipped[:, 2] - clipped[:, 0] >= 2) & \
                   (clipped[:, 3] - clipped[:, 1] >= 2)
            if keep.any():
                yield x0, y0, crop, clipped[keep]


def convert(out_dir: str, wheel: str, tile: int = 400, val_every: int = 4) -> dict:
    os.makedirs(osp.join(out_dir, 'images'), exist_ok=True)
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    coco = {s: dict(images=[], annotations=[], categories=[dict(id=1, name='Tree')])
            for s in ('train', 'val')}
    ann_id, img_id = 1, 1
    for stem, img, boxes in read_pairs(wheel):
        for n, (x0, y0, crop, kept) in enumerate(tiles(img, boxes, tile)):
            split = 'val' if stem in HELD_OUT_IMAGES or n % val_every == 0 else 'train'
            name = f'{stem}_{x0}_{y0}.png'
            cv2.imwrite(osp.join(out_dir, 'images', name), crop)
            coco[split]['images'].append(dict(id=img_id, file_name=name,
                                              width=crop.shape[1], height=crop.shape[0]))
            for x1, y1, x2, y2 in kept.tolist():
                coco[split]['annotations'].append(dict(
                    id=ann_id, image_id=img_id, category_id=1, iscrowd=0,
                    bbox=[x1, y1, x2 - x1, y2 - y1], area=(x2 - x1) * (y2 - y1)))
                ann_id += 1
            img_id += 1
    counts = {}
    for split, data in coco.items():
        with open(osp.join(out_dir, 'annotations', f'{split}.json'), 'w') as f:
            json.dump(data, f)
        counts[split] = (len(data['images']), len(data['annotations']))
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir')
    parser.add_argument('--wheel', help=f'a downloaded deepforest-{VERSION} wheel')
    parser.add_argument('--tile', type=int, default=400)
    parser.add_argument('--val-every', type=int, default=4)
    args = parser.parse_args()
    wheel = args.wheel or fetch_wheel(tempfile.mkdtemp(prefix='deepforest_'))
    counts = convert(args.out_dir, wheel, args.tile, args.val_every)
    for split, (n_img, n_box) in counts.items():
        print(f'{split}: {n_img} tiles, {n_box} boxes')


if __name__ == '__main__':
    main()
