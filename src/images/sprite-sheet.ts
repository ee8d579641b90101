import sharp from 'sharp';
import type { Box } from './crop-box.js';
import type { Size } from './resize-plan.js';

/** VOD's SpriteSnapshotConfig, checked: cells of one size laid out `columns` × `lines` per sheet. */
export interface SpriteLayout {
  readonly cell: Size;
  readonly columns: number;
  readonly lines: number;
  /** Pixels between cells. */
  readonly padding: number;
  /** Pixels around the cells. */
  readonly margin: number;
  /** The background, #RRGGBB. */
  readonly color: string;
}

/** A sheet's size: every sheet of a layout has it, the last one too (its empty cells show the background). */
export function sheetSize(layout: SpriteLayout): Size {
  return {
    width: 2 * layout.margin + layout.columns * layout.cell.width + (layout.columns - 1) * layout.padding,
    height: 2 * layout.margin + layout.lines * layout.cell.height + (layout.lines - 1) * layout.padding,
  };
}

/** Where shot `index` (from 0) is: which sheet (from 0) and its box there, row by row. */
export function cellAt(layout: SpriteLayout, index: number): { sheet: number; box: Box } {
  const perSheet = layout.columns * layout.lines;
  const at = index % perSheet;
  const column = at % layout.columns;
  const line = Math.floor(at / layout.columns);
  return {
    sheet: Math.floor(index / perSheet),
    box: {
      x: layout.margin + column * (layout.cell.width + layout.padding),
      y: layout.margin + line * (layout.cell.height + layout.padding),
      width: layout.cell.width, height: layout.cell.height,
    },
  };
}

/**
 * Lays `cells` (JPEG files of the cell size, in order) out on sheets and writes each sheet as a JPEG
 * through `out(n)` (n from 1); returns the sheets' files. Overflowing cells start a new sheet.
 */
export async function composeSprites(cells: readonly string[], layout: SpriteLayout, out: (n: number) => string): Promise<string[]> {
  const size = sheetSize(layout);
  const perSheet = layout.columns * layout.lines;
  const files: string[] = [];
  for (let first = 0; first < cells.length; first += perSheet) {
    const file = out(files.length + 1);
    const slice = cells.slice(first, first + perSheet);
    await sharp({ create: { width: size.width, height: size.height, channels: 3, background: layout.color } })
      .composite(slice.map((input, i) => {
        const { box } = cellAt(layout, first + i);
        return { input, left: box.x, top: box.y };
      }))
      .jpeg({ quality: 85 })
      .toFile(file);
    files.push(file);
  }
  return files;
}
