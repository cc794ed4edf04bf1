# bash completion for regiectl: its options, its commands and their
# options, and case and agreement references asked of regied when it
# answers (regiectl --json case list / agreements). Plain bash: it needs
# nothing of the bash-completion package, which loads it from
# PREFIX/share/bash-completion/completions/regiectl ("make install" puts
# it there); or "source" it from ~/.bashrc.

_regiectl_commands()
{
    regiectl --help 2>/dev/null |
        sed -n 's/^  regiectl \([a-z][a-z ]*[a-z]\).*/\1/p' | sort -u
}

_regiectl_refs()
{
    # $1: the regiectl command that lists them, $2: the member to take.
    regiectl --json -t 2 $1 2>/dev/null |
        sed -n 's/.*"'"$2"'": "\([A-Z]*-[0-9]*\)".*/\1/p'
}

_regiectl()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    local globals="-s --socket -t --timeout -j --json -u --utc -h --help
                   -V --version"
    case $prev in
        -s|--socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        -t|--timeout) return ;;
    esac
    # The words typed so far after the global options.
    local i typed=()
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -s|--socket|-t|--timeout) ((i++)) ;;
            -*) ;;
            *) typed+=("${words[i]}") ;;
        esac
    done
    local line cmds
    cmds=$(_regiectl_commands)
    # Commands that continue what was typed.
    local next=() matched=""
    while read -r line; do
        [ -n "$line" ] || continue
        local -a w=($line)
        local ok=1 j
        for ((j = 0; j < ${#typed[@]} && j < ${#w[@]}; j++)); do
            [ "${typed[j]}" = "${w[j]}" ] || { ok=0; break; }
        done
        ((ok)) || continue
        if ((${#typed[@]} < ${#w[@]})); then
            next+=("${w[${#typed[@]}]}")
        else
            matched=$line
        fi
    done <<< "$cmds"
    if [[ $cur == -* ]]; then
        local opts="$globals"
        [ -n "$matched" ] && opts+=" $(regiectl $matched --help 2>/dev/null |
            grep -o -- '--[a-z][a-z-]*' | sort -u)"
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    if [ "$matched" = import ]; then
        COMPREPLY=($(compgen -f -- "$cur"))
        return
    fi
    if [ -n "$matched" ]; then
        case $cur in
            C*|c*) COMPREPLY=($(compgen -W "$(_regiectl_refs 'case list' case)" -- "$cur")) ;;
            A*|a*) COMPREPLY=($(compgen -W "$(_regiectl_refs agreements agreement)" -- "$cur")) ;;
        esac
        return
    fi
    COMPREPLY=($(compgen -W "$(printf '%s\n' "${next[@]}" | sort -u)" \
        -- "$cur"))
}
complete -F _regiectl regiectl
