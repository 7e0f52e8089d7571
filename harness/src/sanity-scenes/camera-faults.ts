/**
 * Real camera faults made with ffmpeg filters over a clean clip, each from `startS` seconds on (the
 * filters' timeline option), for the picture-health tests and the camera-fault benchmark. `kind` is
 * the fault kind a sanity-check flag must name (subject of a camera-fault finding).
 */
export interface CameraFault {
  name: string;
  kind:
    'signal-lost' | 'dark' | 'obstruction' | 'blur' | 'noise' | 'colour-fault' | 'camera-moved' | 'freeze' | 'glare';
  /** The -vf chain for a clip whose fault starts at `startS` seconds. */
  filter(startS: number): string;
}

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const at = (startS: number) => `enable='gte(t,${startS})'`;

export const CAMERA_FAULTS: readonly CameraFault[] = [
  {
    name: 'half-lens-covered',
    kind: 'obstruction',
    filter: (s) => `drawbox=x=0:y=0:w=iw/2:h=ih:color=black:t=fill:${at(s)}`,
  },
  { name: 'red-blue-swapped', kind: 'colour-fault', filter: (s) => `colorchannelmixer=rr=0:rb=1:br=1:bb=0:${at(s)}` },
  {
    name: 'knocked-shifted-zoomed',
    kind: 'camera-moved',
    // Crop 85 % of the view 100 px right and 20 px down, scaled back to full size: shifted and zoomed.
    filter: (s) => `split[a][b];[b]crop=iw*0.85:ih*0.85:100:20,scale=iw/0.85:ih/0.85[k];[a][k]overlay=0:0:${at(s)}`,
  },
  {
    name: 'frozen-with-ticking-clock',
    kind: 'freeze',
    // The picture stops at startS while the camera's clock overlay keeps ticking.
    filter: (s) =>
      `split[a][b];[b]trim=start=${s}:duration=0.2,setpts=PTS-STARTPTS+${s}/TB,tpad=stop=-1:stop_mode=clone[f];[a][f]overlay=0:0:${at(s)}:eof_action=repeat,` +
      `drawtext=fontfile=${FONT}:text='%{pts\\:hms}':x=12:y=12:fontsize=22:fontcolor=white:box=1:boxcolor=black@0.5`,
  },
  { name: 'blur', kind: 'blur', filter: (s) => `gblur=sigma=6:${at(s)}` },
  { name: 'sensor-noise', kind: 'noise', filter: (s) => `noise=alls=40:allf=t:${at(s)}` },
  { name: 'glare-whiteout', kind: 'glare', filter: (s) => `eq=brightness=0.55:contrast=0.45:${at(s)}` },
  { name: 'pure-black', kind: 'signal-lost', filter: (s) => `drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:${at(s)}` },
  {
    name: 'no-signal-placeholder',
    kind: 'signal-lost',
    filter: (s) =>
      `drawbox=x=0:y=0:w=iw:h=ih:color=0x1030C0:t=fill:${at(s)},` +
      `drawtext=fontfile=${FONT}:text='NO SIGNAL':x=(w-tw)/2:y=(h-th)/2:fontsize=48:fontcolor=white:${at(s)}`,
  },
  { name: 'dim', kind: 'dark', filter: (s) => `eq=brightness=-0.35:contrast=0.6:${at(s)}` },
];

/** The rule/subject pairs of a flag that names each kind of fault (what the tests and the benchmark accept). */
export const FLAG_NAMES: Record<CameraFault['kind'], string[]> = {
  obstruction: ['camera-fault/obstruction'],
  'colour-fault': ['camera-fault/colour-fault'],
  'camera-moved': ['camera-fault/camera-moved'],
  freeze: ['frame-freeze/freeze'],
  blur: ['camera-fault/blur'],
  noise: ['camera-fault/noise'],
  glare: ['dark-or-blank-frame/glare'],
  'signal-lost': ['dark-or-blank-frame/signal-lost', 'dark-or-blank-frame/dark', 'dark-or-blank-frame/blank'],
  dark: ['camera-fault/dark', 'dark-or-blank-frame/dark'],
};
